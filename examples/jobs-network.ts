/**
 * A job pool as in BSB: placement jobs for 8 chunks (sharing one pool-cached density table per worker), then
 * connectivity jobs that each depend on their chunk's placement, with the console listener's live progress.
 *
 *   npx tsx examples/jobs-network.ts
 *
 * Prints the cells and synapses per chunk, the totals, and `RESULT {json}` for spec/flows-examples.spec.ts.
 */
import { JobPool, consoleListener, type Job } from '../lib/jobs/index.ts';
import { Network } from './models/network.ts';

const module = new URL('./models/network.ts', import.meta.url);
const chunks = [0, 1, 2, 3, 4, 5, 6, 7];

await using jobs = await JobPool.create(Network, { module, workers: 2, pingInterval: 250 });
jobs.addListener(await consoleListener({ title: 'network' }));
let cacheFreed = 0;
jobs.addListener((e) => void (e.type === 'cache-freed' && cacheFreed++));

// Placement first: each chunk's job declares the cache key it uses, so the table is freed after the last one.
const placed = chunks.map((c) => jobs.submit('place', [c], { cache: ['densityTable'], name: `place ${c}` }));
const connected: Job<{ chunk: number; synapses: number }>[] = [];
for (const c of chunks) {
  // A connection job needs its chunk's placement result, so it is submitted from a listener once that succeeds.
  jobs.addListener((e) => {
    if (e.type === 'job-status' && e.job === placed[c] && e.status === 'success') {
      connected.push(jobs.submit('connect', [c, placed[c]!.result!.cells], { dependsOn: [placed[c]!], name: `connect ${c}` }));
    }
  });
}
await jobs.execute();

const cells = placed.map((j) => j.result!.cells);
const synapses = chunks.map((c) => connected.find((j) => j.result!.chunk === c)!.result!.synapses);
for (const c of chunks) console.log(`chunk ${c}: ${cells[c]} cells, ${synapses[c]} synapses`);
const builds = (await jobs.pool.fields.get('tableBuilds')).reduce((a, b) => a + b, 0);
console.log(`total: ${cells.reduce((a, b) => a + b, 0)} cells, ${synapses.reduce((a, b) => a + b, 0)} synapses; ` +
  `${jobs.jobs.length} jobs, all ${jobs.jobs.every((j) => j.status === 'success') ? 'succeeded' : 'ended'}; table built ${builds}×, freed ${cacheFreed}×`);
console.log(`RESULT ${JSON.stringify({ cells, synapses, jobs: jobs.jobs.length, statuses: [...new Set(jobs.jobs.map((j) => j.status))], builds, cacheFreed })}`);
