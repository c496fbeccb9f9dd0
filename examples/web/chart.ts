/**
 * A line chart of the running estimate on a plain canvas: x is the number of points drawn, y the estimate, with
 * π as a dashed reference. No chart library: a few dozen lines do, and nothing else has to be bundled.
 */
export interface ChartPoint {
  drawn: number;
  estimate: number;
}

export const LINE_COLOR = '#2563eb';

export function drawChart(canvas: HTMLCanvasElement, points: readonly ChartPoint[], totalDrawn: number): void {
  const ctx = canvas.getContext('2d')!;
  const { width, height } = canvas;
  const pad = { left: 64, right: 16, top: 16, bottom: 36 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);

  // y range: π ± the largest deviation seen so far (at least ± 0.01), so the estimate's convergence stays visible.
  const spread = Math.max(0.01, ...points.map((p) => Math.abs(p.estimate - Math.PI))) * 1.15;
  const yMin = Math.PI - spread;
  const yMax = Math.PI + spread;
  const x = (drawn: number) => pad.left + (plotW * drawn) / Math.max(1, totalDrawn);
  const y = (value: number) => pad.top + plotH * (1 - (value - yMin) / (yMax - yMin));

  // Axes, grid and labels.
  ctx.strokeStyle = '#e5e7eb';
  ctx.fillStyle = '#6b7280';
  ctx.font = '12px system-ui, sans-serif';
  ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const value = yMin + ((yMax - yMin) * i) / 4;
    ctx.beginPath();
    ctx.moveTo(pad.left, y(value));
    ctx.lineTo(width - pad.right, y(value));
    ctx.stroke();
    ctx.fillText(value.toFixed(4), 8, y(value) + 4);
  }
  for (let i = 0; i <= 4; i++) {
    const drawn = (totalDrawn * i) / 4;
    ctx.textAlign = i === 0 ? 'left' : i === 4 ? 'right' : 'center';
    ctx.fillText(`${Number((drawn / 1e6).toFixed(2))}M`, x(drawn), height - 18);
  }
  ctx.textAlign = 'center';
  ctx.fillText('points drawn', pad.left + plotW / 2, height - 3);
  ctx.textAlign = 'left';

  // π, dashed.
  ctx.strokeStyle = '#9ca3af';
  ctx.setLineDash([6, 4]);
  ctx.beginPath();
  ctx.moveTo(pad.left, y(Math.PI));
  ctx.lineTo(width - pad.right, y(Math.PI));
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillText('π', pad.left + 6, y(Math.PI) - 6);

  // The running estimate.
  if (points.length === 0) return;
  ctx.strokeStyle = LINE_COLOR;
  ctx.lineWidth = 2;
  ctx.beginPath();
  points.forEach((p, i) => (i === 0 ? ctx.moveTo(x(p.drawn), y(p.estimate)) : ctx.lineTo(x(p.drawn), y(p.estimate))));
  ctx.stroke();
}
