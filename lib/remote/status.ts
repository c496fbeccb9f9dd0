/**
 * `objectproxypool host status`: lists the hosts announced as NATS services (`host --service NAME`) with what
 * each has served, from the standard `$SRV.STATS` answers — the same numbers `nats micro stats` shows.
 */
import { parseArgs } from 'node:util';
import { connectNats, natsClient } from './wire.ts';
import { hostFromStats, queryStats, type HostServiceData } from './service.ts';

export const STATUS_USAGE = `usage: objectproxypool host status --servers nats://HOST:PORT [--service NAME] [--json] [--wait MS]

  --servers URLS   NATS server(s), comma-separated
  --service NAME   only the hosts of this service (default: every objectproxypool host announced as a service)
  --json           one JSON array instead of a table
  --wait MS        how long to collect answers (default 1000)
  --token T, --user U --pass P   NATS credentials (or env NATS_TOKEN, NATS_USER, NATS_PASS)`;

export type HostStatus = HostServiceData & { service: string; version: string };

/** Every objectproxypool host that answers `$SRV.STATS[.service]` within `waitMs`, sorted by service and host. */
export async function hostStatus(options: { servers: string[]; service?: string; waitMs?: number; token?: string; user?: string; pass?: string }): Promise<HostStatus[]> {
  const nats = await natsClient();
  const nc = await connectNats(options, 'objectproxypool host status');
  try {
    const answers = await queryStats(nc, () => nats.createInbox(), options.service, options.waitMs ?? 1000);
    return answers
      .map(hostFromStats)
      .filter((host): host is HostStatus => host !== undefined)
      .sort((a, b) => a.service.localeCompare(b.service) || a.hostId.localeCompare(b.hostId));
  } finally {
    await nc.close();
  }
}

export function formatStatus(hosts: HostStatus[]): string {
  if (hosts.length === 0) return 'no objectproxypool host answered';
  const rows = [
    ['service', 'host', 'class', 'instances', 'requests', 'tasks', 'errors', 'avg ms'],
    ...hosts.map((h) => [h.service, h.hostId, h.exportName, `${h.instances}/${h.capacity}`, String(h.requests), String(h.tasks), String(h.errors), h.averageMs.toFixed(2)]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n');
}

/** The command; resolves to its exit code (2 for a usage error). */
export async function statusMain(argv: string[], usageError: (error: unknown) => string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        servers: { type: 'string' }, service: { type: 'string' }, json: { type: 'boolean' }, wait: { type: 'string' },
        token: { type: 'string' }, user: { type: 'string' }, pass: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    console.error(usageError(error));
    return 2;
  }
  if (values.help) {
    console.log(STATUS_USAGE);
    return 0;
  }
  const waitMs = values.wait === undefined ? undefined : Number(values.wait);
  if (!values.servers || (waitMs !== undefined && !(Number.isInteger(waitMs) && waitMs > 0))) {
    console.error(usageError(new Error(!values.servers ? '--servers is required' : `--wait must be a positive integer, got ${JSON.stringify(values.wait)}`)));
    return 2;
  }
  try {
    const hosts = await hostStatus({
      servers: values.servers.split(',').map((s) => s.trim()).filter(Boolean), service: values.service, waitMs,
      token: values.token ?? env.NATS_TOKEN, user: values.user ?? env.NATS_USER, pass: values.pass ?? env.NATS_PASS,
    });
    console.log(values.json ? JSON.stringify(hosts) : formatStatus(hosts));
    return 0;
  } catch (error) {
    console.error(`objectproxypool host status: ${(error as Error).message}`);
    return 1;
  }
}
