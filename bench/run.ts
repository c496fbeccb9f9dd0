/**
 * The benchmark harness: every (library, scenario) pair in its own child process (`bench/child.mjs`), bounded in
 * time; medians and p95; a markdown table with each row's ratio to the best peer; JSON in bench/results/latest.json.
 *
 *   npm run bench                          full run (builds dist/ first), under 10 minutes on 2 cores
 *   npm run bench -- --quick               small counts, a sanity check in about a minute
 *   npm run bench -- --scenario S1,S3 --library objectproxypool,comlink
 *   npm run bench -- --docs                also rewrite docs/benchmarks.md (and the growth charts)
 *   npm run bench -- --source              objectproxypool from lib/*.ts under tsx instead of dist/ (slower start-up)
 *   npm run bench -- --rounds 3            rounds of the short scenarios (default: S1, S3, S6 five, S5 three; others one)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCharts } from './chart.ts';
import { LIBRARY_NAMES, PEER_NAMES, SCENARIOS, type ChildResult, type Report, mergeRounds, renderMarkdown } from './report.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const option = (name: string, aliases: string[] = []): string | undefined => {
  for (const n of [name, ...aliases]) {
    const i = argv.findIndex((a) => a === `--${n}` || a.startsWith(`--${n}=`));
    if (i >= 0) return argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1];
  }
  return undefined;
};
const list = (value: string | undefined, all: readonly string[], what: string): string[] => {
  if (!value) return [...all];
  const wanted = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const w of wanted) if (!all.includes(w)) throw new Error(`unknown ${what} "${w}"; known: ${all.join(', ')}`);
  return all.filter((x) => wanted.includes(x));
};

if (flag('help')) {
  console.log(`usage: npm run bench -- [--quick] [--scenario S1,S2,S3,S4,S4b,S5,S6,S7,G1,G2] [--library ${LIBRARY_NAMES.join(',')}]
       [--timeout seconds-per-child] [--budget seconds-total] [--rounds n] [--source] [--docs] [--out file.json]`);
  process.exit(0);
}

const quick = flag('quick');
const scenarios = list(option('scenario', ['scenarios', 's']), SCENARIOS, 'scenario');
const libraries = list(option('library', ['libraries', 'lib', 'l']), LIBRARY_NAMES, 'library');
const childTimeout = Number(option('timeout') ?? (quick ? 60 : 120)) * 1000;
const budget = Number(option('budget') ?? 570) * 1000;
const source = flag('source');
const out = option('out') ?? `${root}bench/results/latest.json`;
// The machine is shared: a library measured during someone else's burst loses by 20–40%. Short scenarios therefore
// run in several rounds, the libraries in alternating order, and each figure is the round with the median median.
const roundsOption = option('rounds');
const roundsOf = (scenario: string): number =>
  roundsOption ? Math.max(1, Number(roundsOption)) : quick ? 1 : ({ S1: 5, S3: 5, S6: 5, S5: 3, S4b: 3 } as Record<string, number>)[scenario] ?? 1;

const entry = source ? new URL('../lib/index.ts', import.meta.url).href : new URL('../dist/index.js', import.meta.url).href;
if (!source && !existsSync(fileURLToPath(entry))) {
  console.error('dist/index.js is missing: run `npm run build` first (npm run bench does), or pass --source');
  process.exit(1);
}

function runChild(library: string, scenario: string, deadline: number): Promise<ChildResult> {
  const started = Date.now();
  const timeout = Math.max(1000, Math.min(childTimeout, deadline - started));
  const nodeArgs = ['--expose-gc', ...(source && library === 'objectproxypool' ? ['--import', 'tsx'] : [])];
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // nothing of this process's loaders may leak into the measured one
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeArgs, `${root}bench/child.mjs`, library, scenario, JSON.stringify({ quick, entry })], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const seconds = (Date.now() - started) / 1000;
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (line) {
        resolve({ ...(JSON.parse(line.slice(7)) as ChildResult), seconds });
        return;
      }
      const why = signal === 'SIGKILL' ? `timed out after ${Math.round(timeout / 1000)} s` : `exited with ${code ?? signal}`;
      resolve({ library, scenario, seconds, error: `${why}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` });
    });
  });
}

const t0 = Date.now();
const loadBefore = loadavg()[0]!;
const deadline = t0 + budget;
const results: ChildResult[] = [];
console.error(`objectproxypool benchmarks${quick ? ' (quick)' : ''}: ${scenarios.join(' ')} × ${libraries.join(' ')}; objectproxypool from ${source ? 'lib/ (tsx)' : 'dist/'}`);
for (const scenario of scenarios) {
  const byLibrary = new Map<string, ChildResult[]>(libraries.map((library) => [library, []]));
  const rounds = roundsOf(scenario);
  for (let round = 0; round < rounds; round++) {
    for (const library of round % 2 ? [...libraries].reverse() : libraries) {
      if (Date.now() > deadline) {
        if (round === 0) byLibrary.get(library)!.push({ library, scenario, seconds: 0, error: 'skipped: total time budget spent' });
        continue;
      }
      const r = await runChild(library, scenario, deadline);
      byLibrary.get(library)!.push(r);
      console.error(`  ${scenario}${rounds > 1 ? `#${round + 1}` : ''} ${library.padEnd(16)} ${r.seconds.toFixed(1).padStart(5)} s${r.error ? `  ${r.error}` : ''}`);
    }
  }
  for (const library of libraries) results.push(mergeRounds(byLibrary.get(library)!));
}

const report: Report = {
  date: new Date().toISOString(),
  command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
  machine: {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: [loadBefore, loadavg()[0]!],
  },
  options: { quick, workers: 2, objectproxypoolFrom: source ? 'lib (tsx)' : 'dist', peers: [...PEER_NAMES] },
  totalSeconds: (Date.now() - t0) / 1000,
  results,
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
const charts = renderCharts(report, flag('docs') ? `${root}docs` : undefined);
const markdown = renderMarkdown(report, charts);
console.log(markdown);
writeFileSync(out.replace(/\.json$/, '.md'), markdown);
if (flag('docs')) {
  mkdirSync(`${root}docs`, { recursive: true });
  writeFileSync(`${root}docs/benchmarks.md`, markdown);
  console.error('wrote docs/benchmarks.md');
}
console.error(`wrote ${out} (${report.totalSeconds.toFixed(0)} s in all)`);
