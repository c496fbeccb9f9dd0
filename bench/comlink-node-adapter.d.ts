// comlink ships types for its Node adapter only next to the UMD build; this names the ESM file its docs import.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { Endpoint } from 'comlink';
  export default function nodeEndpoint(port: import('node:worker_threads').MessagePort | import('node:worker_threads').Worker): Endpoint;
}
