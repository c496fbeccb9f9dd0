/**
 * The import rules of lib/, checked by dependency-cruiser in `npm test` (scripts/check-imports.mjs).
 * Picture and reasons: docs/design.md, "Entry points and the import graph".
 *
 * - The core: pool/, kinds/, runtime/, protocol/, shared/, platform/, class-source/, progress/ and the entry files.
 * - Layers built on it: flows/, jobs/, server/, services/, collectives/, partition/ (each removable: the core and
 *   the root entry compile without any one of them, scripts/check-layer-removal.mjs) and remote/ (the remote kind
 *   and the worker host; the pool loads its kind by a computed specifier, so it is not removable but still a layer).
 */
const LAYERS = '(flows|jobs|server|services|collectives|partition|remote)';
const REMOVABLE = '(flows|jobs|server|services|collectives|partition)';

/**
 * The core's public surface: the modules the package's entries (lib/index.ts, lib/worker.ts, lib/entries/*.ts)
 * re-export from, plus the extension point for layers (lib/pool/extension.ts) and the worker-kind interface the
 * remote kind implements. A layer importing any other core module reaches into internals.
 */
const PUBLIC_CORE = [
  'lib/index\\.ts',
  'lib/worker\\.ts',
  'lib/entries/',
  'lib/pool/extension\\.ts',
  'lib/pool/proxy-pool\\.ts',
  'lib/pool/options\\.ts',
  'lib/pool/types\\.ts',
  'lib/pool/map-args\\.ts',
  'lib/pool/metrics\\.ts',
  'lib/pool/callbacks\\.ts',
  'lib/pool/checkpoint-error\\.ts',
  'lib/pool/workforce\\.ts', // the WorkerExitEvent type only
  'lib/protocol/errors\\.ts',
  'lib/protocol/error-codec\\.ts',
  'lib/protocol/value-codec\\.ts',
  'lib/protocol/transfer\\.ts',
  'lib/runtime/context\\.ts',
  'lib/runtime/task-context\\.ts',
  'lib/runtime/rng\\.ts',
  'lib/runtime/philox\\.ts',
  'lib/class-source/names\\.ts',
  'lib/progress/bar\\.ts',
  'lib/shared/',
  'lib/platform/',
  'lib/kinds/worker-kind\\.ts',
  'lib/runtime/service-functions\\.ts', // serviceFunction/exposeFunction: the runtime dispatches them, /services exports them
];

/** remote/ is a worker kind and a worker host: it speaks the wire format and runs thread workers itself. */
const REMOTE_ALSO = ['lib/protocol/', 'lib/kinds/', 'lib/runtime/load-class\\.ts'];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycle between modules, type-only imports included: a cycle makes load order matter and hides which module is lower.',
      severity: 'error',
      from: { path: '^lib/' },
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      comment: 'Folders of lib/ form a DAG, so that each can be read (and changed) knowing only the folders below it.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^lib/' },
      to: { circular: true },
    },
    {
      name: 'core-not-on-layers',
      comment: 'The core and the root entry know nothing of the removable layers: removing one leaves them compiling.',
      severity: 'error',
      from: { path: '^lib/', pathNot: `^lib/${REMOVABLE}/` },
      to: { path: `^lib/${REMOVABLE}/` },
    },
    {
      name: 'layers-use-public-core',
      comment: 'A layer uses the core only through its public modules and the extension point (pool/extension.ts).',
      severity: 'error',
      from: { path: `^lib/${LAYERS}/`, pathNot: '^lib/remote/' },
      to: { path: '^lib/', pathNot: [`^lib/${LAYERS}/`, ...PUBLIC_CORE.map((p) => `^${p}`)] },
    },
    {
      name: 'remote-uses-wire-and-kinds',
      comment: 'remote/ may also use the wire format, the other kinds and class loading (it implements a kind and hosts workers).',
      severity: 'error',
      from: { path: '^lib/remote/' },
      to: { path: '^lib/', pathNot: ['^lib/remote/', ...[...PUBLIC_CORE, ...REMOTE_ALSO].map((p) => `^${p}`)] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|\\.test-build)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    // Type-only imports count: tsc needs them, so they decide what compiles without a layer too.
    tsPreCompilationDeps: true,
    cache: false,
  },
};
