import { build } from 'esbuild';
for (const entry of ['lib/index.ts', 'lib/worker.ts']) {
  try {
    await build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
    console.log(entry, 'ok');
  } catch (e) { console.log(entry, e.errors.map((x) => `${x.location?.file}:${x.location?.line} ${x.text}`).join('\n')); }
}
