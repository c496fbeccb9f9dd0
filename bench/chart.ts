/**
 * SVG line charts of the growth scenarios (G1 payload size, G2 worker count), log scales, no dependencies.
 * Standalone: npx tsx bench/chart.ts [bench/results/latest.json] [out-dir]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fmtBytes, type Report } from './report.ts';

interface Series { name: string; points: Array<[number, number]> }

const COLORS: Record<string, string> = {
  objectproxypool: '#d62728', piscina: '#1f77b4', workerpool: '#2ca02c', tinypool: '#9467bd',
  comlink: '#ff7f0e', postMessage: '#7f7f7f', atomics: '#17becf',
};

function svgChart(title: string, xLabel: string, yLabel: string, series: Series[], xTick: (x: number) => string): string {
  const W = 640, H = 380, L = 70, R = 150, T = 36, B = 50;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter((y) => y > 0);
  const lx0 = Math.log10(Math.min(...xs)), lx1 = Math.log10(Math.max(...xs));
  const ly0 = Math.floor(Math.log10(Math.min(...ys))), ly1 = Math.ceil(Math.log10(Math.max(...ys)));
  const px = (x: number) => L + ((Math.log10(x) - lx0) / (lx1 - lx0 || 1)) * (W - L - R);
  const py = (y: number) => H - B - ((Math.log10(y) - ly0) / (ly1 - ly0 || 1)) * (H - T - B);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="20" font-size="14" font-weight="bold">${title}</text>`,
    `<text x="${(L + W - R) / 2}" y="${H - 10}" text-anchor="middle">${xLabel}</text>`,
    `<text x="14" y="${(T + H - B) / 2}" transform="rotate(-90 14 ${(T + H - B) / 2})" text-anchor="middle">${yLabel}</text>`,
  ];
  for (let e = ly0; e <= ly1; e++) {
    const y = py(10 ** e);
    out.push(`<line x1="${L}" x2="${W - R}" y1="${y}" y2="${y}" stroke="#ddd"/>`, `<text x="${L - 6}" y="${y + 4}" text-anchor="end">${fmtMicros(10 ** e)}</text>`);
  }
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    out.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${T}" y2="${H - B}" stroke="#eee"/>`, `<text x="${px(x)}" y="${H - B + 16}" text-anchor="middle">${xTick(x)}</text>`);
  }
  series.forEach((s, i) => {
    const color = COLORS[s.name] ?? '#000';
    const width = s.name === 'objectproxypool' ? 3 : 1.5;
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="${width}" points="${s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`);
    for (const [x, y] of s.points) out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.5" fill="${color}"/>`);
    out.push(`<rect x="${W - R + 12}" y="${T + i * 18}" width="12" height="3" fill="${color}"/>`, `<text x="${W - R + 30}" y="${T + i * 18 + 5}">${s.name}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

function fmtMicros(us: number): string {
  if (us >= 1e6) return `${us / 1e6} s`;
  if (us >= 1e3) return `${us / 1e3} ms`;
  return `${us} µs`;
}

/** Writes the charts (when there are growth results) and returns their file names. */
export function renderCharts(report: Report, dir?: string): string[] {
  if (!dir) return [];
  const written: string[] = [];
  const g1: Series[] = report.results
    .filter((r) => r.scenario === 'G1' && r.metrics?.payload)
    .map((r) => ({ name: r.library, points: (r.metrics!.payload as Array<{ bytes: number; median: number }>).map((p) => [p.bytes, p.median]) }));
  if (g1.length) {
    writeFileSync(`${dir}/benchmarks-payload.svg`, svgChart('One call vs payload size (median, log-log)', 'Float64Array argument, structured clone', 'latency', g1, fmtBytes));
    written.push('benchmarks-payload.svg');
  }
  const g2: Series[] = report.results
    .filter((r) => r.scenario === 'G2' && r.metrics?.broadcast)
    .map((r) => ({ name: r.library, points: (r.metrics!.broadcast as Array<{ workers: number; median: number }>).map((p) => [p.workers, p.median]) }));
  if (g2.length) {
    writeFileSync(`${dir}/benchmarks-broadcast.svg`, svgChart('Broadcast round vs workers (median, log-log)', 'workers', 'round, gathered', g2, String));
    written.push('benchmarks-broadcast.svg');
  }
  return written;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2] ?? fileURLToPath(new URL('./results/latest.json', import.meta.url));
  const dir = process.argv[3] ?? fileURLToPath(new URL('../docs', import.meta.url));
  console.log(renderCharts(JSON.parse(readFileSync(file, 'utf8')) as Report, dir).join('\n'));
}
