/**
 * Hosts as NATS services: a host started with a service name registers with NATS's standard service API
 * (`$SRV.PING|INFO|STATS`, through @nats-io/services, an optional peer), so that pools find it by that name and any
 * NATS tool (`nats micro ls`, `objectproxypool host status`) lists it with its counts. The pool side reads the
 * same standard `$SRV.STATS.<name>` answers directly: finding hosts needs no extra package.
 */
import { createRequire } from 'node:module';
import type { NatsConnection } from '@nats-io/transport-node';
import { RemoteConnectionError } from './errors.ts';
import type { DiscoverAnswer } from './wire.ts';

/** The NATS service API allows these characters in a service name. */
const SERVICE_NAME = /^[A-Za-z0-9_-]+$/;

export function checkServiceName(name: unknown, where: string): string {
  if (typeof name !== 'string' || !SERVICE_NAME.test(name)) {
    throw new TypeError(`${where} must be a NATS service name (letters, digits, '-' and '_'), got ${JSON.stringify(name)}`);
  }
  return name;
}

/** What a host reports in its `spawn` endpoint's stats (`data`), and what pools read to place instances. */
export interface HostServiceData {
  hostId: string;
  exportName: string;
  /** The subject prefix the host listens on: pools with another prefix cannot reach it. */
  subject: string;
  capacity: number;
  /** Instances held now, and slots still free. */
  instances: number;
  free: number;
  heartbeatMs: number;
  /** Calls and map chunks answered, tasks in them, tasks that failed, mean time per request (ms, host-side). */
  requests: number;
  tasks: number;
  errors: number;
  averageMs: number;
}

/** Counts what a host serves; the service's stats handler reads it. */
export class ServeTally {
  requests = 0;
  tasks = 0;
  errors = 0;
  private totalMs = 0;

  served(startedAt: number | undefined, tasks: number, errors: number): void {
    this.requests++;
    this.tasks += tasks;
    this.errors += errors;
    if (startedAt !== undefined) this.totalMs += performance.now() - startedAt;
  }

  get averageMs(): number {
    return this.requests === 0 ? 0 : this.totalMs / this.requests;
  }
}

export interface Announced {
  stop(): Promise<void>;
}

type SpawnHandler = (error: Error | null, msg: { data: Uint8Array; respond(data: Uint8Array): boolean }) => void;

/**
 * Registers the host as service `name` with one endpoint, `spawn`, on the host's spawn subject (so the service API
 * counts placements), whose stats carry `data()`.
 */
export async function announce(nc: NatsConnection, name: string, spawnSubject: string, onSpawn: SpawnHandler, data: () => HostServiceData): Promise<Announced> {
  let services: typeof import('@nats-io/services');
  try {
    services = await import('@nats-io/services');
  } catch (error) {
    throw new RemoteConnectionError(`a host with a service name needs the NATS service API: npm install @nats-io/services (${(error as Error)?.message ?? error})`, { cause: error });
  }
  const current = data();
  const service = await new services.Svcm(nc as never).add({
    name,
    version: packageVersion(),
    description: `objectproxypool host serving ${current.exportName}`,
    metadata: { hostId: current.hostId, exportName: current.exportName, subject: current.subject, capacity: String(current.capacity) },
    statsHandler: async () => data(),
  });
  // No queue group: every host has its own spawn subject, and a queue would hide nothing but cost a lookup.
  service.addEndpoint('spawn', { subject: spawnSubject, handler: onSpawn as never, queue: '' });
  return { stop: async () => void (await service.stop()) };
}

/** One `$SRV.STATS` answer, as the service API defines it (only what we read). */
interface StatsAnswer {
  name?: string;
  id?: string;
  version?: string;
  metadata?: Record<string, string>;
  endpoints?: Array<{ name?: string; num_requests?: number; num_errors?: number; data?: unknown }>;
}

/** An objectproxypool host read off a `$SRV.STATS` answer, or undefined for any other service. */
export function hostFromStats(answer: StatsAnswer): (HostServiceData & { service: string; version: string }) | undefined {
  const data = answer?.endpoints?.find((e) => e?.name === 'spawn')?.data as HostServiceData | undefined;
  if (!data || typeof data.hostId !== 'string' || typeof data.free !== 'number') return undefined;
  return { ...data, service: String(answer.name), version: String(answer.version) };
}

/** A host of service `name` as a discovery answer, if it serves `exportName` on the pool's subject prefix. */
export function discoverAnswerFromStats(answer: StatsAnswer, exportName: string, prefix: string): DiscoverAnswer | undefined {
  const host = hostFromStats(answer);
  if (!host || host.exportName !== exportName || host.subject !== prefix) return undefined;
  return { hostId: host.hostId, exportName, capacity: host.capacity, free: host.free, heartbeatMs: host.heartbeatMs };
}

/** The subject that asks every instance of service `name` (every service, without a name) for its stats. */
export const statsSubject = (name?: string) => (name ? `$SRV.STATS.${name}` : '$SRV.STATS');

/** Scatter-gather on `$SRV.STATS[.name]`: every answer within `waitMs` (the collection ends early after `quietMs` of silence). */
export async function queryStats(nc: NatsConnection, createInbox: () => string, name: string | undefined, waitMs: number, quietMs = 200): Promise<StatsAnswer[]> {
  const answers: StatsAnswer[] = [];
  return new Promise((resolve) => {
    let quiet: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      clearTimeout(quiet);
      sub.unsubscribe();
      resolve(answers);
    };
    const timer = setTimeout(finish, waitMs);
    const inbox = createInbox();
    const sub = nc.subscribe(inbox, {
      callback: (_error, msg) => {
        try {
          answers.push(JSON.parse(new TextDecoder().decode(msg.data)) as StatsAnswer);
        } catch {
          return; // not a service answer
        }
        clearTimeout(quiet);
        quiet = setTimeout(finish, quietMs);
      },
    });
    nc.publish(statsSubject(name), new Uint8Array(), { reply: inbox });
  });
}

let version: string | undefined;
/**
 * This package's version, from its package.json: two levels above lib/remote/ and dist/remote/, three above the
 * specs' compiled copy. The service API requires one; '0.0.0' only if the file is somewhere else entirely.
 */
function packageVersion(): string {
  if (version !== undefined) return version;
  const require = createRequire(import.meta.url);
  for (const path of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = require(path) as { name?: string; version?: string };
      if (pkg.name === 'objectproxypool' && typeof pkg.version === 'string') return (version = pkg.version);
    } catch {
      // not there: the next candidate
    }
  }
  return (version = '0.0.0');
}
