// Plain JavaScript ESM on Node 20+ (no `await using`): create, broadcast, map, SharedArrayWrapper between threads and
// between processes, close. Prints one JSON line.
import { ProxyPool, SharedArrayWrapper, range, repeat } from 'objectproxypool';
import { Model } from './model.js';

const module = new URL('./model.js', import.meta.url);
const pool = await ProxyPool.create(Model, { workers: 2, module, args: [3] });
let result;
try {
  const broadcast = await pool.times(1);
  const map = await pool.times.map(range(4));
  const threads = SharedArrayWrapper.zeros([4], 'float64');
  await pool.fill.map(repeat(threads), range(4));
  const processes = SharedArrayWrapper.zeros([4], 'int32', { across: 'processes' });
  const procPool = await ProxyPool.create(Model, { workers: 2, kind: 'process', module });
  try {
    await procPool.fill.map(repeat(processes), range(4));
  } finally {
    await procPool.close();
  }
  result = { broadcast, map, threads: Array.from(threads.data), processes: Array.from(processes.data) };
} finally {
  await pool.close();
}
console.log(JSON.stringify(result));
