/**
 * What the specs test: the library as compiled by `npm test` (tsconfig.test.json → .test-build/), together with
 * the compiled fixtures. Workers then start from JavaScript with no TypeScript loader — about 50 ms instead of
 * 0.5 s per worker on Node 20 — and the specs exercise the code users actually run. Type tests and the unit tests
 * of internal modules still read lib/ directly.
 */
export * from '../../.test-build/lib/index.js';
// Every other entry of the package, so that a spec imports any public name from here (each name has one entry:
// spec/entries.spec.ts). /worker's own names only: its others are the root's. /types has no run-time exports.
export { expose, TaskRng, taskSeed, philox4x32 } from '../../.test-build/lib/worker.js';
export * from '../../.test-build/lib/entries/shared.js';
export type * from '../../.test-build/lib/entries/types.js';
export * from '../../.test-build/lib/remote/index.js';
export * from '../../.test-build/lib/flows/index.js';
// The server's StreamItem (an item of Server.stream) is not the pool's StreamItem: only the pool's is re-exported.
export { Server, ServerBacklogFullError, ServerStoppedError, type ServerOptions, type ServerCallOptions, type ServerDebugInfo, type StreamOptions } from '../../.test-build/lib/server/index.js';
export * from '../../.test-build/lib/jobs/index.js';
export * from '../../.test-build/lib/services/index.js';
export * from '../../.test-build/lib/collectives/index.js';
export * from '../../.test-build/lib/partition/index.js';

/** URL of a compiled fixture module: the `module` option of pools under test. */
export function fixtureUrl(name: string): URL {
  return new URL(`../../.test-build/spec/fixtures/${name}.js`, import.meta.url);
}
