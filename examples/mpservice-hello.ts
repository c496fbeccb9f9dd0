/**
 * mpservice's documentation example ("Flexible service using mpserver"), ported to objectproxypool's flows.
 *
 *   npx tsx examples/mpservice-hello.ts
 *
 * Python:                                              here:
 *   SequentialServlet(                                   sequential(
 *     EnsembleServlet(                                     ensemble([
 *       ProcessServlet(GetHead, cpus=[0]),                   workerStage(GetHead, { kind: 'process', workers: 1 }),
 *       ProcessServlet(GetTail, cpus=[0, 1]),                workerStage(GetTail, { kind: 'process', workers: 2 }),
 *       ProcessServlet(GetLen, cpus=[1])),                   workerStage(GetLen, { kind: 'process', workers: 1 })]),
 *     ThreadServlet(make_worker(lambda x: ...)),           workerStage(makeWorker(combine), { kind: 'inline' }),
 *     ProcessServlet(Solute))                              workerStage(Solute, { kind: 'process' }))
 *
 * (CPU pinning has no Node equivalent; the worker counts are kept.) Prints what the Python script prints:
 *   Hello, wdwdwdwdwd!
 *   Hello, 20!
 * and, last, `RESULT {json}` for spec/examples.spec.ts.
 */
import { Server } from '../lib/server/index.ts';
import { ensemble, makeWorker, sequential, workerStage } from '../lib/flows/index.ts';
import { GetHead, GetLen, GetTail, Solute } from './models/mpservice-workers.ts';

const module = new URL('./models/mpservice-workers.ts', import.meta.url);

/** Python's `(x[0] + x[1]) * x[2]`, where `str * int` repeats the string. */
function combine(x: [unknown, unknown, number]): unknown {
  const sum = (x[0] as any) + (x[1] as any);
  return typeof sum === 'string' ? sum.repeat(x[2]) : sum * x[2];
}

const servlet = sequential(
  ensemble([
    workerStage(GetHead, { kind: 'process', workers: 1, module }),
    workerStage(GetTail, { kind: 'process', workers: 2, module }),
    workerStage(GetLen, { kind: 'process', workers: 1, module }),
  ]),
  // ThreadServlet(make_worker(...)): the made class runs in this thread, in an inline pool.
  workerStage(makeWorker(combine), { kind: 'inline' }),
  workerStage(Solute, { kind: 'process', module }),
);

const printed: string[] = [];
{
  // `await using` is Python's `with server:` — the flow's processes end with the block.
  await using server = await Server.start(servlet);
  for (const x of ['world', [1, 2, 3, 4]]) {
    const y = await server.call(x);
    console.log(y);
    printed.push(y);
  }
}
console.log(`RESULT ${JSON.stringify({ printed })}`);
