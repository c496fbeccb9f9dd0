/** serveHost's options checked and resolved, and the class it serves found, before anything connects. */
import { availableParallelism } from 'node:os';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { isAbsolute, resolve } from 'node:path';
import { isClass, pickExport } from '../runtime/load-class.ts';
import { DEFAULT_PREFIX, checkConnection, checkWireRuntime } from './wire.ts';
import { checkServiceName } from './service.ts';
import type { RemoteConnection } from './options.ts';

/**
 * Options of `serveHost` (and of the `objectproxypool host` command).
 *
 * @example
 * const options: HostOptions = { servers: 'nats://10.0.0.5:4222', module: './model.js', capacity: 8 };
 */
export interface HostOptions extends RemoteConnection {
  /** The module exporting the class this host serves: a path or a URL. The only code this host will run. */
  module: string | URL;
  /** The class's export name. Default: the module's only exported class (or its default export). */
  exportName?: string;
  /** Instances this host holds at most (one worker thread each). Default: the machine's available parallelism. */
  capacity?: number;
  /** How often the host tells pools it is alive, in ms. Pools declare it lost after their `hostTimeout`. Default 500. */
  heartbeatMs?: number;
  /** Instances of a pool silent for this long (killed without close) are ended. Default 10000 ms. */
  poolTimeout?: number;
  /** Where the host reports what it does (one line per event). Default: nothing. */
  log?: (line: string) => void;
  /**
   * Announce the host as a NATS service of this name (NATS's service API: `$SRV.PING|INFO|STATS`; needs the
   * optional peer @nats-io/services). Pools then find it with `remote: { service: name }`, and
   * `objectproxypool host status` lists it with what it served. Default: no service, pools find it by class.
   */
  service?: string;
}

/** What serveHost's options resolve to: checked once, before connecting. */
export interface HostConfig {
  moduleUrl: string;
  /** The export the host loads (the key in the module) and the class's own name; pools may ask by either. */
  exportKey: string;
  exportName: string;
  capacity: number;
  heartbeatMs: number;
  service: string | undefined;
  poolTimeout: number;
  log: (line: string) => void;
  prefix: string;
  maxPayload: number | undefined;
  hostId: string;
}

export async function hostConfig(options: HostOptions): Promise<HostConfig> {
  checkWireRuntime('a remote host');
  checkConnection(options, 'serveHost options');
  if (options.module === undefined || options.module === '') throw new TypeError('serveHost needs { module }: the module exporting the class to serve');
  const moduleUrl = toUrl(options.module);
  const { key: exportKey, name: exportName } = await findExport(moduleUrl, options.exportName);
  const capacity = options.capacity ?? availableParallelism();
  if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError(`host capacity must be a positive integer, got ${String(capacity)}`);
  return {
    moduleUrl,
    exportKey,
    exportName,
    capacity,
    heartbeatMs: options.heartbeatMs ?? 500,
    service: options.service === undefined ? undefined : checkServiceName(options.service, 'host option service'),
    poolTimeout: options.poolTimeout ?? 10_000,
    log: options.log ?? (() => {}),
    prefix: options.subject ?? DEFAULT_PREFIX,
    maxPayload: options.maxPayload,
    hostId: randomUUID().replaceAll('-', '').slice(0, 16),
  };
}

function toUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module)) return module;
  return pathToFileURL(isAbsolute(module) ? module : resolve(module)).href;
}

/** Load the module once here, so that a wrong path or export fails the host at start, not each pool later. */
async function findExport(moduleUrl: string, exportName: string | undefined): Promise<{ key: string; name: string }> {
  let exports: Record<string, unknown>;
  try {
    exports = await import(moduleUrl);
  } catch (error) {
    throw new Error(`the host cannot load its module ${moduleUrl}: ${(error as Error)?.message ?? error}`, { cause: error });
  }
  if (exportName !== undefined) {
    return { key: exportName, name: pickExport(exports, exportName, moduleUrl).name || exportName };
  }
  const classes = Object.keys(exports).filter((key) => key !== 'default' && isClass(exports[key]));
  if (classes.length === 1) return { key: classes[0]!, name: (exports[classes[0]!] as { name: string }).name || classes[0]! };
  if (isClass(exports.default) && classes.length === 0) return { key: 'default', name: exports.default.name || 'default' };
  throw new TypeError(`${moduleUrl} exports ${classes.length === 0 ? 'no class' : `several classes (${classes.join(', ')})`}; say which one to serve with exportName (--export)`);
}
