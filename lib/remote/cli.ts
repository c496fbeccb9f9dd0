/**
 * `objectproxypool host ...`: the command-line face of `serveHost`. bin/objectproxypool.mjs calls `main`.
 * Credentials may come from the environment (NATS_TOKEN, NATS_USER, NATS_PASS, NATS_NKEY_SEED) so that they do
 * not show in the process list.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { serveHost, type HostOptions } from './host.ts';
import { statusMain } from './status.ts';

const USAGE = `usage: objectproxypool host --servers nats://HOST:PORT[,nats://...] --module ./model.js [options]
       objectproxypool host status --servers nats://HOST:PORT [--service NAME] [--json]   (lists service hosts)

  --module PATH         module exporting the class to serve (the only code this host runs); a relative
                        path is resolved against the current directory
  --export NAME         the class's export name (default: the module's only exported class)
  --capacity K          instances this host holds at most, one thread each (default: number of cores)
  --servers URLS        NATS server(s), comma-separated
  --token T             NATS token (or env NATS_TOKEN)
  --user U --pass P     NATS user and password (or env NATS_USER, NATS_PASS)
  --nkey-seed-file F    file holding the NATS nkey seed (or env NATS_NKEY_SEED)
  --tls-ca F --tls-cert F --tls-key F    TLS files, passed to the NATS client
  --subject PREFIX      subject prefix shared with the pools (default objectproxypool)
  --service NAME        announce the host as NATS service NAME; pools find it with remote: { service: NAME }
  --max-payload BYTES   largest message to send (default: the server's max_payload)
  --heartbeat MS        heartbeat interval (default 500)
  --grace MS            on SIGTERM/SIGINT, how long calls in flight may take to finish (default 10000)
  --quiet               do not log instance starts and ends
  -h, --help            show this help`;

/** Parses the arguments into host options; throws a usage error for anything wrong. */
export function parseHostArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): HostOptions & { graceMs: number; quiet: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      servers: { type: 'string' }, module: { type: 'string' }, export: { type: 'string' }, capacity: { type: 'string' },
      token: { type: 'string' }, user: { type: 'string' }, pass: { type: 'string' }, 'nkey-seed-file': { type: 'string' },
      'tls-ca': { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, subject: { type: 'string' },
      'max-payload': { type: 'string' }, heartbeat: { type: 'string' }, grace: { type: 'string' }, quiet: { type: 'boolean' },
      service: { type: 'string' },
    },
    strict: true,
  });
  if (!values.servers) throw new TypeError('--servers is required');
  if (!values.module) throw new TypeError('--module is required');
  const int = (name: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new TypeError(`--${name} must be a positive integer, got ${JSON.stringify(value)}`);
    return n;
  };
  const tls = values['tls-ca'] || values['tls-cert'] || values['tls-key']
    ? { caFile: values['tls-ca'], certFile: values['tls-cert'], keyFile: values['tls-key'] }
    : undefined;
  const nkeySeed = values['nkey-seed-file'] ? readFileSync(values['nkey-seed-file'], 'utf8').trim() : env.NATS_NKEY_SEED;
  return {
    servers: values.servers.split(',').map((s) => s.trim()).filter(Boolean),
    module: values.module,
    exportName: values.export,
    capacity: int('capacity', values.capacity),
    token: values.token ?? env.NATS_TOKEN,
    user: values.user ?? env.NATS_USER,
    pass: values.pass ?? env.NATS_PASS,
    nkeySeed,
    tls,
    subject: values.subject,
    service: values.service,
    maxPayload: int('max-payload', values['max-payload']),
    heartbeatMs: int('heartbeat', values.heartbeat),
    graceMs: int('grace', values.grace) ?? 10_000,
    quiet: values.quiet ?? false,
  };
}

const TOP_USAGE = `usage: objectproxypool <command> [options]

commands:
  host      serve instances of a class to remote pools over NATS (objectproxypool host --help)

  -h, --help    show this help`;

/** Turns parseArgs' and our own argument errors into one line naming what was wrong. */
function usageError(command: string, error: unknown): string {
  const e = error as { code?: string; message: string };
  // parseArgs: "Unknown option '--x'. To specify a positional argument starting with a '-', ..." — keep the flag.
  const unknown = /^Unknown option '([^']+)'/.exec(e.message);
  if (unknown) return `objectproxypool ${command}: unknown option ${unknown[1]} (see objectproxypool ${command} --help)`;
  return `objectproxypool ${command}: ${e.message.split('\n')[0]} (see objectproxypool ${command} --help)`;
}

/** Runs the command; resolves to the process exit code once the host has closed (or failed to start). */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    (command === undefined ? console.error : console.log)(TOP_USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'host') {
    console.error(`objectproxypool: unknown ${command.startsWith('-') ? 'option' : 'command'} ${command} (see objectproxypool --help)`);
    return 2;
  }
  if (rest[0] === 'status') return statusMain(rest.slice(1), (error) => usageError('host status', error));
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let options: ReturnType<typeof parseHostArgs>;
  try {
    options = parseHostArgs(rest);
  } catch (error) {
    console.error(usageError(command, error));
    return 2;
  }
  const { graceMs, quiet, ...hostOptions } = options;
  let host;
  try {
    host = await serveHost({ ...hostOptions, log: quiet ? undefined : (line) => console.log(line) });
  } catch (error) {
    console.error(`objectproxypool host: ${(error as Error).name}: ${(error as Error).message}`);
    return 1;
  }
  console.log(`ready ${host.hostId}`);
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      // A second signal means "now": leave without waiting for calls in flight.
      if (stopping) return resolve(130);
      stopping = true;
      console.log(`${signal}: finishing calls in flight (at most ${graceMs} ms), then handing instances back`);
      host.close(graceMs).then(() => resolve(0), (error) => {
        console.error(`objectproxypool host: ${(error as Error).message}`);
        resolve(1);
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    void host.done.then(() => {
      if (!stopping) resolve(1); // the NATS connection was lost for good
    });
  });
}
