// The host process of the objectproxypool-remote row: serves BenchModel over NATS, from the same build the pool uses.
// node opp-remote-host.mjs <entry URL> <nats URL> <capacity>
const [entry, servers, capacity] = process.argv.slice(2);
const { serveHost } = await import(entry);
const host = await serveHost({ servers, module: new URL('./opp-model.mjs', import.meta.url), exportName: 'BenchModel', capacity: Number(capacity) });
console.log(`ready ${host.hostId}`);
process.once('SIGTERM', () => void host.close(1000).then(() => process.exit(0)));
