/**
 * The public face of a worker host, loaded lazily: the host itself needs Node built-ins and the NATS client,
 * which the main entry must not pull into browser bundles or into pools that never serve.
 */
import type { Host, HostOptions } from './host.ts';
import { nodeOnlyModule } from '../platform/platform.ts';

/**
 * Serve instances of one class to remote pools. Resolves once connected and listening.
 *
 * @example
 * import { serveHost } from 'objectproxypool/remote';
 * const host = await serveHost({ servers: 'nats://10.0.0.5:4222', module: './model.js', capacity: 4 });
 * process.on('SIGTERM', () => void host.close());
 */
export async function serveHost(options: HostOptions): Promise<Host> {
  const hostModule = nodeOnlyModule('./host', import.meta.url);
  const { serveHost: serve } = (await import(/* @vite-ignore */ /* webpackIgnore: true */ hostModule)) as typeof import('./host.ts');
  return serve(options);
}
