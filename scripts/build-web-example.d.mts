/** Types of build-web-example.mjs, for the TypeScript specs that import it. */
export declare function buildWebExample(outdir?: string): Promise<string>;
