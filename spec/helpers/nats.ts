/**
 * A real nats-server on 127.0.0.1 and host processes for the remote specs. Everything started here is ended by
 * the returned stop functions (the specs call them in `after`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { fixtureUrl } from './lib.ts';

const NATS_BIN = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((path) => spawnSync(path, ['--version']).status === 0)
  ?? (spawnSync('nats-server', ['--version']).status === 0 ? 'nats-server' : undefined);

/** Skip reason for `it(..., { skip })`: only outside CI may a missing nats-server skip the remote specs. */
export function natsSkip(): string | false {
  if (NATS_BIN) return false;
  if (process.env.CI) throw new Error('nats-server is not installed, and under CI the remote specs must run: apt-get install -y nats-server');
  return 'nats-server is not installed: apt-get install -y nats-server (Debian/Ubuntu) to run the remote specs';
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface NatsServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Start nats-server on a free loopback port; `args` adds e.g. `['--auth', 'TOKEN']` or `['-c', 'file.conf']`. */
export async function startNats(args: string[] = []): Promise<NatsServer> {
  const port = await freePort();
  const child = spawn(NATS_BIN!, ['-a', '127.0.0.1', '-p', String(port), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`nats-server did not start: ${log}`)), 10_000);
    child.stderr!.on('data', (chunk) => {
      log += chunk;
      if (log.includes('Server is ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited with ${code}: ${log}`));
    });
  });
  child.stderr!.resume();
  return { url: `nats://127.0.0.1:${port}`, port, stop: () => kill(child, 'SIGTERM') };
}

export interface HostProcess {
  child: ChildProcess;
  hostId: string;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Start a host process serving a compiled fixture module (default: the Counter). Resolves once it listens. */
export async function startHost(servers: string, options: { fixture?: string; capacity?: number; extra?: Record<string, unknown> } = {}): Promise<HostProcess> {
  const module = fixtureUrl(options.fixture ?? 'counter').href;
  const args = [fileURLToPath(fixtureUrl('remote-host')), servers, module, String(options.capacity ?? 4)];
  // The Counter fixture also exports CustomError: name the class, as `--export` does.
  args.push(JSON.stringify({ ...(options.fixture ? {} : { exportName: 'Counter' }), ...options.extra }));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const hostId = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start: ${out}`)), 15_000);
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const ready = /ready (\w+)/.exec(out);
      const failed = /failed (.*)/.exec(out);
      if (ready || failed) {
        clearTimeout(timer);
        if (ready) resolve(ready[1]!);
        else reject(new Error(failed![1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host exited with ${code}: ${out}`));
    });
  });
  return { child, hostId, output: () => out, stop: (signal = 'SIGKILL') => kill(child, signal) };
}

/** Run a host that is expected to fail at start; resolves to its "failed ..." line. */
export async function hostFailure(servers: string, extra: Record<string, unknown>): Promise<string> {
  try {
    const host = await startHost(servers, { extra });
    await host.stop();
    return 'started';
  } catch (error) {
    return (error as Error).message;
  }
}

function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}
