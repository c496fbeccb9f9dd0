/** Shapes of the harness's results and the markdown rendering (tables with ratios to the best peer). */

export const LIBRARY_NAMES = ['objectproxypool', 'objectproxypool-remote', 'piscina', 'workerpool', 'tinypool', 'comlink', 'postMessage', 'atomics'] as const;
export const PEER_NAMES = ['piscina', 'workerpool', 'tinypool', 'comlink'] as const;
export const SCENARIOS = ['S1', 'S2', 'S3', 'S4', 'S4b', 'S5', 'S6', 'S7', 'G1', 'G2'] as const;

export interface Stat { median: number; p95: number; n: number; unit: string; calls?: number; ratePerSec?: number }
export interface NotApplicable { na: string }
export type Metric = Stat | NotApplicable | number | unknown;

export interface ChildResult {
  library: string;
  scenario: string;
  seconds: number;
  metrics?: Record<string, Metric>;
  error?: string;
  /** How many rounds (child processes) this result is the median of. */
  rounds?: number;
}

export interface Report {
  date: string;
  command: string;
  machine: { nproc: number; cpu: string; memoryGiB: number; node: string; platform: string; loadAverage?: number[] };
  options: { quick: boolean; workers: number; objectproxypoolFrom: string; peers: string[] };
  totalSeconds: number;
  results: ChildResult[];
}

interface Row {
  scenario: string;
  key: string;
  label: string;
  /** Compare this library's value with the best peer's value of another key (ours map vs peers' individual calls). */
  peerKey?: string;
  /** Bigger is better (RSS, times: smaller). */
  higherIsBetter?: boolean;
  show?: (s: Stat) => string;
}

const rate = (s: Stat) => (s.ratePerSec ? `${fmtStat(s)} · ${fmtNum(s.ratePerSec / 1000)}k/s` : fmtStat(s));

const ROWS: Row[] = [
  { scenario: 'S1', key: 'roundTrip', label: 'S1 sequential round trip' },
  { scenario: 'S2', key: 'individual', label: 'S2 100k calls issued at once', show: rate },
  { scenario: 'S2', key: 'map', peerKey: 'individual', label: 'S2 the same as one map call', show: rate },
  { scenario: 'S2', key: 'map1000', label: 'S2 one map of 1,000 tiny tasks' },
  { scenario: 'S3', key: 'round', label: 'S3 broadcast round, gathered' },
  { scenario: 'S4', key: 'clone_readOne', label: 'S4 64 MB clone, read one' },
  { scenario: 'S4', key: 'clone_sum', label: 'S4 64 MB clone, sum' },
  { scenario: 'S4', key: 'transfer_readOne', label: 'S4 64 MB transfer, read one' },
  { scenario: 'S4', key: 'transfer_sum', label: 'S4 64 MB transfer, sum' },
  { scenario: 'S4', key: 'shared_readOne', label: 'S4 64 MB shared, read one' },
  { scenario: 'S4', key: 'shared_sum', label: 'S4 64 MB shared, sum' },
  { scenario: 'S4b', key: 'transfer_sumReturn', label: 'S4b 64 MB moved in, summed, moved back' },
  { scenario: 'S4b', key: 'copy_sumReturn', label: 'S4b … copied in and back' },
  { scenario: 'S4b', key: 'shared_sum', label: 'S4b … shared, summed in place' },
  { scenario: 'S5', key: 'run', label: 'S5 Monte Carlo π, 40 tasks' },
  { scenario: 'S6', key: 'startup', label: 'S6 start-up: create → first result' },
  { scenario: 'S6', key: 'startupAll', label: 'S6 start-up: create → every worker answered' },
  { scenario: 'S6', key: 'close', label: 'S6 close' },
  { scenario: 'S6', key: 'rssPerWorkerMB', label: 'S6 RSS per worker' },
  { scenario: 'S7', key: 'stream', label: 'S7 stream of 10^7 trivial tasks, read by batches()', show: rate },
  { scenario: 'S7', key: 'streamValues', label: 'S7 … read value by value (for await)', show: rate },
  { scenario: 'S7', key: 'map', label: 'S7 one map of 10^6 (reference)', show: rate },
  { scenario: 'S7', key: 'throughputRatio', label: 'S7 stream (batches) ÷ map throughput, median of 3 rounds' },
  { scenario: 'S7', key: 'valuesRatio', label: 'S7 stream (values) ÷ map throughput, median of 3 rounds' },
  { scenario: 'S7', key: 'peakRssMB', label: 'S7 peak RSS of the stream process' },
  { scenario: 'S7', key: 'firstUnordered', label: 'S7 first result, unordered stream' },
  { scenario: 'S7', key: 'firstOrdered', label: 'S7 first result, ordered stream' },
];

const isStat = (m: unknown): m is Stat => !!m && typeof m === 'object' && 'median' in m;
const isNa = (m: unknown): m is NotApplicable => !!m && typeof m === 'object' && 'na' in m;

/**
 * One result from a scenario's rounds (child processes): for each statistic the round whose median is the median of
 * the rounds' medians (its p95 and counts travel with it); plain numbers, their median; anything else, the first
 * round's. Rounds that failed are left out; if all failed, the first failure stands.
 */
export function mergeRounds(rounds: ChildResult[]): ChildResult {
  const ok = rounds.filter((r) => !r.error && r.metrics);
  if (ok.length <= 1) return ok[0] ?? rounds[0]!;
  const middle = <T>(xs: T[], value: (x: T) => number): T => [...xs].sort((a, b) => value(a) - value(b))[(xs.length - 1) >> 1]!;
  const metrics: Record<string, Metric> = {};
  for (const key of Object.keys(ok[0]!.metrics!)) {
    const values = ok.map((r) => r.metrics![key]);
    if (values.every((v) => typeof v === 'number')) metrics[key] = middle(values as number[], (v) => v);
    else if (values.every(isStat)) metrics[key] = middle(values as Stat[], (v) => v.median);
    else metrics[key] = values[0];
  }
  return { ...ok[0]!, metrics, seconds: ok.reduce((sum, r) => sum + r.seconds, 0), rounds: ok.length };
}

export function fmtNum(x: number): string {
  const a = Math.abs(x);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}
const fmtStat = (s: Stat) => `${fmtNum(s.median)} ${s.unit}`;

function valueOf(report: Report, library: string, scenario: string, key: string): Stat | NotApplicable | { error: string } | undefined {
  const r = report.results.find((x) => x.library === library && x.scenario === scenario);
  if (!r) return undefined;
  if (r.error) return { error: r.error };
  const m = r.metrics?.[key];
  if (typeof m === 'number') return { median: m, p95: m, n: 1, unit: 'MB' };
  if (isStat(m) || isNa(m)) return m;
  return undefined;
}

function bestPeer(report: Report, row: Row): { library: string; value: number } | undefined {
  let best: { library: string; value: number } | undefined;
  for (const peer of PEER_NAMES) {
    const v = valueOf(report, peer, row.scenario, row.peerKey ?? row.key);
    if (!isStat(v)) continue;
    if (!best || (row.higherIsBetter ? v.median > best.value : v.median < best.value)) best = { library: peer, value: v.median };
  }
  return best;
}

const librariesIn = (report: Report) => LIBRARY_NAMES.filter((l) => report.results.some((r) => r.library === l));

/** Rows = measurements, columns = libraries: median and, in brackets, the ratio to the best peer (< 1 is better). */
export function summaryTable(report: Report): string {
  const libs = librariesIn(report);
  const lines = [`| measurement (median; × best peer's time) | ${libs.join(' | ')} |`, `|---|${libs.map(() => '---:').join('|')}|`];
  for (const row of ROWS) {
    if (!report.results.some((r) => r.scenario === row.scenario)) continue;
    const best = bestPeer(report, row);
    const cells = libs.map((lib) => {
      const v = valueOf(report, lib, row.scenario, row.key);
      if (v === undefined) return lib === 'objectproxypool' || !row.peerKey ? '' : '—';
      if ('error' in v) return 'error';
      if (isNa(v)) return /can't/.test(v.na) ? "can't" : 'n/a';
      const shown = row.show ? row.show(v) : fmtStat(v);
      if (!best) return shown;
      const ratio = v.median / best.value;
      return `${shown} (${ratio.toFixed(2)}×)`;
    });
    if (cells.every((c) => c === '' || c === '—')) continue;
    lines.push(`| ${row.label} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** One line per library and measurement: median, p95, samples, best peer, ratio. */
export function detailTable(report: Report): string {
  const lines = ['| measurement | library | median | p95 | samples | best peer | × best peer |', '|---|---|---:|---:|---:|---|---:|'];
  for (const row of ROWS) {
    const best = bestPeer(report, row);
    for (const lib of librariesIn(report)) {
      const v = valueOf(report, lib, row.scenario, row.key);
      if (v === undefined) continue;
      if ('error' in v) { lines.push(`| ${row.label} | ${lib} | error: ${v.error.replaceAll('|', '/')} | | | | |`); continue; }
      if (isNa(v)) { lines.push(`| ${row.label} | ${lib} | ${v.na} | | | | |`); continue; }
      const ratio = best ? `${(v.median / best.value).toFixed(2)}×` : '';
      const extra = v.ratePerSec ? ` (${fmtNum(v.ratePerSec / 1000)}k calls/s)` : '';
      lines.push(`| ${row.label} | ${lib} | ${fmtStat(v)}${extra} | ${fmtNum(v.p95)} ${v.unit} | ${v.n} | ${best ? `${best.library} ${fmtNum(best.value)}` : ''} | ${ratio} |`);
    }
  }
  return lines.join('\n');
}

function efficiencyTable(report: Report): string {
  const rows = report.results.filter((r) => r.scenario === 'S5' && r.metrics && typeof r.metrics.ofIdeal === 'number');
  if (rows.length === 0) return '';
  const lines = ['| library | 40 tasks | single thread / 2 (same process) | % of the ideal speed-up | π |', '|---|---:|---:|---:|---:|'];
  for (const r of rows) {
    const m = r.metrics as { run: Stat; ideal: number; ofIdeal: number; pi: number };
    lines.push(`| ${r.library} | ${fmtNum(m.run.median)} ms | ${fmtNum(m.ideal)} ms | ${(m.ofIdeal * 100).toFixed(0)}% | ${m.pi.toFixed(4)} |`);
  }
  return lines.join('\n');
}

function growthTables(report: Report): string {
  const parts: string[] = [];
  const g1 = report.results.filter((r) => r.scenario === 'G1' && r.metrics?.payload);
  if (g1.length) {
    const sizes = (g1[0]!.metrics!.payload as Array<{ bytes: number }>).map((p) => p.bytes);
    parts.push(`| payload (Float64Array, cloned) | ${sizes.map(fmtBytes).join(' | ')} |`, `|---|${sizes.map(() => '---:').join('|')}|`);
    for (const r of g1) {
      const pts = r.metrics!.payload as Array<Stat & { bytes: number }>;
      parts.push(`| ${r.library} | ${sizes.map((b) => { const p = pts.find((x) => x.bytes === b); return p ? `${fmtNum(p.median)} µs` : ''; }).join(' | ')} |`);
    }
    parts.push('');
  }
  const g2 = report.results.filter((r) => r.scenario === 'G2' && r.metrics?.broadcast);
  if (g2.length) {
    const counts = [...new Set(g2.flatMap((r) => (r.metrics!.broadcast as Array<{ workers: number }>).map((p) => p.workers)))];
    parts.push(`| broadcast round, gathered | ${counts.map((c) => `${c} worker${c > 1 ? 's' : ''}`).join(' | ')} |`, `|---|${counts.map(() => '---:').join('|')}|`);
    for (const r of g2) {
      const pts = r.metrics!.broadcast as Array<Stat & { workers: number }>;
      parts.push(`| ${r.library} | ${counts.map((c) => { const p = pts.find((x) => x.workers === c); return p ? `${fmtNum(p.median)} µs` : ''; }).join(' | ')} |`);
    }
  }
  return parts.join('\n');
}

/** The "done when" list of issue 4, checked against this run (objectproxypool vs the best peer). */
export function targetsTable(report: Report): string {
  const ours = (scenario: string, key: string) => { const v = valueOf(report, 'objectproxypool', scenario, key); return isStat(v) ? v.median : undefined; };
  const ratio = (scenario: string, key: string, peerKey = key) => {
    const mine = ours(scenario, key);
    const best = bestPeer(report, { scenario, key: peerKey, label: '' });
    return mine === undefined || !best ? undefined : { value: mine / best.value, peer: best.library };
  };
  const lines = ['| target | measured | met |', '|---|---|:---:|'];
  const add = (target: string, measured: string | undefined, ok: boolean | undefined) =>
    lines.push(`| ${target} | ${measured ?? 'not measured'} | ${ok === undefined ? '?' : ok ? 'yes' : '**no**'} |`);
  const r1 = ratio('S1', 'roundTrip');
  add('S1 round trip ≤ 1.0× the fastest peer', r1 && `${r1.value.toFixed(2)}× ${r1.peer}`, r1 && r1.value <= 1);
  const r2 = ratio('S2', 'individual');
  add('S2 individual calls ≥ 3× the fastest peer\'s throughput', r2 && `${(1 / r2.value).toFixed(2)}× ${r2.peer}`, r2 && 1 / r2.value >= 3);
  const r2m = ratio('S2', 'map', 'individual');
  add('S2 one map of 100,000 tasks ≥ 10× it', r2m && `${(1 / r2m.value).toFixed(1)}× ${r2m.peer}`, r2m && 1 / r2m.value >= 10);
  const r3 = ratio('S3', 'round');
  add('S3 broadcast round ≤ 1.0× the fastest peer\'s way', r3 && `${r3.value.toFixed(2)}× ${r3.peer}`, r3 && r3.value <= 1);
  const shared = ours('S4', 'shared_readOne');
  const clone = ours('S4', 'clone_readOne');
  add('S4 64 MB shared array, read one: ≤ 1 ms per call', shared === undefined ? undefined : `${fmtNum(shared)} ms`, shared === undefined ? undefined : shared <= 1);
  add('S4 … and ≥ 50× faster than structured clone', shared && clone ? `${fmtNum(clone / shared)}×` : undefined, shared && clone ? clone / shared >= 50 : undefined);
  const moved = ours('S4b', 'transfer_sumReturn');
  const raw = valueOf(report, 'postMessage', 'S4b', 'transfer_sumReturn');
  const r4b = moved !== undefined && isStat(raw) ? moved / raw.median : undefined;
  add('S4b 64 MB transferred both ways ≤ 1.05× the raw postMessage transfer', r4b === undefined ? undefined : `${r4b.toFixed(3)}× (${fmtNum(moved!)} ms vs ${fmtNum((raw as Stat).median)} ms)`, r4b === undefined ? undefined : r4b <= 1.05);
  const s5 = report.results.find((r) => r.library === 'objectproxypool' && r.scenario === 'S5')?.metrics as { run?: Stat; ideal?: number } | undefined;
  const r5 = s5?.run && s5.ideal ? s5.run.median / s5.ideal : undefined;
  add('S5 within 1.1× of the ideal (single thread / 2)', r5 === undefined ? undefined : `${r5.toFixed(2)}×`, r5 === undefined ? undefined : r5 <= 1.1);
  for (const [key, what] of [['startup', 'start-up'], ['close', 'close'], ['rssPerWorkerMB', 'RSS per worker']] as const) {
    const r = ratio('S6', key);
    add(`S6 ${what} ≤ 1.1× the best peer`, r && `${r.value.toFixed(2)}× ${r.peer}`, r && r.value <= 1.1);
  }
  const s7ratio = ours('S7', 'throughputRatio');
  const s7values = ours('S7', 'valuesRatio');
  add('S7 stream of 10^7: throughput ≥ 0.8× one map of 10^6', s7ratio === undefined ? undefined : `${s7ratio.toFixed(2)}× by batches()${s7values === undefined ? '' : `, ${s7values.toFixed(2)}× value by value`}`, s7ratio === undefined ? undefined : s7ratio >= 0.8);
  const s7rss = ours('S7', 'peakRssMB');
  add('S7 stream of 10^7: peak RSS < 150 MB', s7rss === undefined ? undefined : `${fmtNum(s7rss)} MB`, s7rss === undefined ? undefined : s7rss < 150);
  const b = ours('S3', 'round');
  add('seed: broadcast to 2 workers < 45 µs', b === undefined ? undefined : `${fmtNum(b)} µs`, b === undefined ? undefined : b < 45);
  const m = ours('S2', 'map1000');
  add('seed: one map of 1,000 tiny tasks < 0.2 ms', m === undefined ? undefined : `${fmtNum(m)} ms`, m === undefined ? undefined : m < 0.2);
  return lines.join('\n');
}

export function fmtBytes(b: number): string {
  if (b >= 2 ** 20) return `${b / 2 ** 20} MB`;
  if (b >= 1024) return `${b / 1024} KB`;
  return `${b} B`;
}

export function renderMarkdown(report: Report, charts: string[] = []): string {
  const m = report.machine;
  const failures = report.results.filter((r) => r.error);
  return `# Benchmarks

Generated by \`${report.command}\` on ${report.date.slice(0, 16).replace('T', ' ')} UTC — ${m.nproc} CPUs (${m.cpu}), ${m.memoryGiB} GiB,
Node ${m.node}, ${m.platform}; 2 workers; objectproxypool run from \`${report.options.objectproxypoolFrom}\`${report.options.quick ? '; **quick mode: small counts, not for comparison**' : ''}.
Each (library, scenario) ran in its own process${roundsNote(report)}; ${report.totalSeconds.toFixed(0)} s in all${m.loadAverage ? `; 1-minute load average ${m.loadAverage.map((l) => l.toFixed(1)).join(' before, ')} after` : ''}. The machine is shared and noisy:
read ratios measured in the same run, not absolute numbers. \`postMessage\` and \`atomics\` are references (a bare
worker_threads echo and a SharedArrayBuffer + Atomics ping-pong), not peers; "× best peer" compares with the best of
${report.options.peers.join(', ')} for that measurement (below 1 is better than every peer).

## Summary

${summaryTable(report)}

## Issue 4's targets, from this run

${targetsTable(report)}

## Monte Carlo π (S5) against the ideal speed-up

${efficiencyTable(report)}
${growthTables(report) ? `\n## Growth\n\n${growthTables(report)}\n` : ''}${charts.map((c) => `\n![${c}](${c})\n`).join('')}
## Every measurement (median, p95)

${detailTable(report)}
${failures.length ? `\nFailures: ${failures.map((f) => `${f.library}/${f.scenario}: ${f.error}`).join('; ')}\n` : ''}
## What is measured

- **S1** 5,000 sequential calls of a trivial method (\`noop(i)\`), after 500 warm-up calls; per-call times.
- **S2** 100,000 trivial calls issued in one loop, then awaited together (3 repetitions); objectproxypool additionally
  as one \`map\` call of 100,000 tasks, and one map of 1,000 tasks (the Python seed's figure). Peers have no map:
  the map row is compared with the best peer's individual calls.
- **S3** a stateful method (\`inc()\`) on every worker, gathered, 2,000 rounds. piscina, tinypool and workerpool cannot
  address a worker; comlink does it with one Remote per worker and \`Promise.all\`.
- **S4** a 64 MB Float64Array passed to a worker that reads one element, and one that sums it: structured clone,
  transfer (a fresh array each time, allocated outside the timing) and shared memory (a SharedArrayBuffer; for
  objectproxypool a \`SharedArrayWrapper\`; for the atomics reference the buffer is handed over once, at set-up).
- **S4b** a 64 MB Float64Array moved to a worker (\`transfer()\`), summed, and moved back in the result, against the
  raw postMessage transfer both ways (target ≤ 1.05×); next to it the same with copies both ways, and a shared array
  summed in place. Measured for objectproxypool and the postMessage reference only.
- **S5** Monte Carlo π, 4×10⁷ samples in 40 tasks, against the same kernel's single-thread time / 2 measured in the
  same process just before.
- **S6** create → first result, and close, over 20 cycles after importing the library; RSS growth per worker on the
  first cycle, with every worker answering. objectproxypool's \`create()\` resolves only once every instance is
  constructed (a constructor that throws rejects it), so its first result waits for the slowest worker to boot;
  a peer's first task runs on whichever worker is up first (two workers booting together start from under 1 ms to
  tens of ms apart, with the host's load). The row "every worker answered" compares like with like: after the
  first result, a call answered by each worker (objectproxypool, comlink, postMessage: a broadcast; piscina,
  tinypool, workerpool: one task per worker that waits on a SharedArrayBuffer counter until every worker holds one,
  so no worker can take two).
- **S7** (objectproxypool only: peers have no lazily read, bounded streaming map) 10^7 trivial tasks through
  \`pool.noop.stream(range(10_000_000))\`, consumed a batch at a time (\`for await (const b of stream.batches())\`, a
  plain loop over \`b.values\`) and value by value (\`for await\` over the stream, one step per value): throughput
  against one map of 10^6 (an array, as in S2), the process's peak RSS (\`resourceUsage().maxRSS\`, workers included), and the time from a new stream
  of 10^6 to its first value, unordered and ordered (median of 30).
- **G1** latency of one call versus the size of its (cloned) Float64Array argument; **G2** broadcast round versus the
  number of workers (1, 2, 4, 8, on a ${m.nproc}-CPU machine).
- **objectproxypool-remote** (S1–S3 only): the same calls with \`kind: 'remote'\` — its own nats-server on 127.0.0.1
  and one host process holding the instances (docs/remote.md). It measures the NATS round trip on one machine; a
  real network adds its own latency per call.

Peers are used the way their READMEs show: piscina and tinypool \`run(arg, { name })\` over named exports,
\`Piscina.move()\` / \`transferList\` to transfer; workerpool \`exec(name, [arg], { transfer })\` with
\`workerType: 'thread'\`; comlink \`wrap(nodeEndpoint(worker))\` of an exposed object, one per worker, round robin.
objectproxypool: one task is \`pool.m.one(x)\`, a broadcast is \`pool.m(x)\`, a map \`pool.m.map(xs)\`. Sources: \`bench/\`.
`;
}

/** "; S1, S3 and S6 in 5 rounds, …": scenarios measured more than once, libraries in alternating order. */
function roundsNote(report: Report): string {
  const byCount = new Map<number, string[]>();
  for (const r of report.results) {
    if (!r.rounds || r.rounds < 2) continue;
    const list = byCount.get(r.rounds) ?? [];
    if (!list.includes(r.scenario)) list.push(r.scenario);
    byCount.set(r.rounds, list);
  }
  if (byCount.size === 0) return '';
  const parts = [...byCount].map(([n, list]) => `${list.join(', ')} in ${n} rounds`);
  return ` (${parts.join('; ')}, the libraries in alternating order; each figure is the round with the median median)`;
}
