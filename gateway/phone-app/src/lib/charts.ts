/** The two charts' data and options for uPlot, from the gateway's progress answer. */
import uPlot from 'uplot';
import type { Progress } from './types.ts';

export const PALETTE = ['#0b5d3b', '#1f5fbf', '#b3261e', '#7a4fc2', '#8a5a00', '#00707a'];

const DAY_S = 86_400;
/** Room either side of the first and last x, so the edge bars and points show whole. */
const padded = (xs: number[], pad: number): uPlot.Scale['range'] => () => (xs.length ? [xs[0]! - pad, xs[xs.length - 1]! + pad] : [0, 1]);

const axis = { stroke: '#4a564f', grid: { stroke: '#e3e7e4', width: 1 }, ticks: { stroke: '#d5dbd6' } };

export function repsPerDay(p: Progress): { data: uPlot.AlignedData; options: Omit<uPlot.Options, 'width' | 'height'> } {
  const xs = p.days.map((d) => Date.parse(d.start) / 1000);
  return {
    data: [xs, p.days.map((d) => d.reps)],
    options: {
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: true, range: padded(xs, DAY_S * 0.6) }, y: { range: (_u, _min, max) => [0, Math.max(5, max)] } },
      axes: [{ ...axis, values: (_u, ticks) => ticks.map((t) => new Date(t * 1000).toLocaleDateString(undefined, { day: 'numeric', month: 'short' })) }, { ...axis, size: 40 }],
      series: [{}, { label: 'Reps', stroke: PALETTE[0], fill: 'rgba(11,93,59,0.8)', paths: uPlot.paths.bars!({ size: [0.7, 24] }), points: { show: false }, width: 0 }],
    },
  };
}

export function accuracyOverTime(p: Progress): { data: uPlot.AlignedData; options: Omit<uPlot.Options, 'width' | 'height'> } {
  // uPlot wants one x array: every session's time, each activity's accuracy where it has one.
  const times = [...new Set(p.accuracy.flatMap((a) => a.points.map((pt) => pt.timestamp)))].sort();
  const ys = p.accuracy.map((a) => {
    const at = new Map(a.points.map((pt) => [pt.timestamp, Math.round(pt.accuracy * 100)]));
    return times.map((t) => at.get(t) ?? null);
  });
  const xs = times.map((t) => Date.parse(t) / 1000);
  return {
    data: [xs, ...ys],
    options: {
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: true, range: padded(xs, DAY_S * 0.5) }, y: { range: [0, 100] } },
      axes: [{ ...axis, values: (_u, ticks) => ticks.map((t) => new Date(t * 1000).toLocaleDateString(undefined, { day: 'numeric', month: 'short' })) }, { ...axis, size: 56, values: (_u, ticks) => ticks.map((t) => `${t} %`) }],
      series: [{}, ...p.accuracy.map((a, i) => ({ label: a.activity, stroke: PALETTE[i % PALETTE.length], width: 2, spanGaps: true, points: { show: true, size: 7 } }))],
    },
  };
}
