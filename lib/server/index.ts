/** The server over a flow: capacity, timeouts, backpressure, streams (mpservice's Server). */
export { Server, type ServerOptions, type ServerCallOptions, type ServerDebugInfo } from './server.ts';
export { ServerBacklogFullError, ServerStoppedError } from './errors.ts';
export type { StreamOptions, StreamItem } from './stream.ts';
