/** Types of static-server.mjs, for the TypeScript specs that import it. */
export declare const ISOLATION_HEADERS: Readonly<Record<'Cross-Origin-Opener-Policy' | 'Cross-Origin-Embedder-Policy', string>>;
export interface StaticServer {
  /** `http://127.0.0.1:PORT/`: cross-origin isolated. */
  url: string;
  /** `http://127.0.0.1:PORT/plain/`: the same files without the two headers. */
  plainUrl: string;
  close(): Promise<void>;
}
export declare function startStaticServer(options: { root: string; host?: string; port?: number }): Promise<StaticServer>;
