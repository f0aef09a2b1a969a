// Time-series line charts drawn as plain SVG (no library): one chart per
// figure, drawn at the width it is given and again when that changes, times
// in UTC as everywhere in the console. Colours and dashes come from
// console.css classes, never style attributes (the CSP refuses those). The
// pointer or the arrow keys pick a point, whose values are read out below
// the chart; the same numbers are in a table under "Show as table".
import { fill, h, svg } from './dom.js';
import { num } from './format.js';
import { dataTable } from './table.js';

const HEIGHT = 200;
const PAD = { left: 52, right: 12, top: 12, bottom: 26 };
const MINUTE = 60000;
const TICKS = [1, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880].map((m) => m * MINUTE);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n) => String(n).padStart(2, '0');
const clock = (d) => `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
const day = (d) => `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;

// "5 Dec 14:05 UTC": the start of a point's interval
export function pointTime(ms) {
  const d = new Date(ms);
  return `${day(d)} ${clock(d)} UTC`;
}

// 0 to a round number at or above max, in at most five steps.
function yScale(max) {
  const top = Math.max(max, 1);
  const unit = 10 ** Math.floor(Math.log10(top / 5));
  // counts and milliseconds: whole steps
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * unit).find((s) => s * 5 >= top));
  const ticks = [];
  for (let v = 0; v < top + step; v += step) ticks.push(v);
  return { max: ticks.at(-1), ticks };
}

function xTicks(from, to, width) {
  const every = TICKS.find((t) => (to - from) / t <= Math.max(2, width / 90)) || TICKS.at(-1);
  const out = [];
  for (let t = Math.ceil(from / every) * every; t <= to; t += every) out.push(t);
  return { out, label: (t) => (every >= 1440 * MINUTE || (clock(new Date(t)) === '00:00' && to - from > 2 * 3600000) ?
    day(new Date(t)) : clock(new Date(t))) };
}

// One path per series; a null value breaks the line.
function linePath(rows, key, x, y) {
  let d = '';
  let pen = 'M';
  for (const r of rows) {
    if (r[key] === null || r[key] === undefined) {
      pen = 'M';
      continue;
    }
    d += `${pen}${x(r.at).toFixed(1)} ${y(r[key]).toFixed(1)}`;
    pen = 'L';
  }
  return d;
}

// Points with no value on either side, which a line cannot show: dots.
function alone(rows, key) {
  const has = (r) => r && typeof r[key] === 'number';
  return rows.filter((r, i) => has(r) && !has(rows[i - 1]) && !has(rows[i + 1]));
}

function draw(box, spec, rows, pick) {
  const width = Math.max(box.clientWidth, 240);
  const from = rows.length ? rows[0].at : 0;
  const to = rows.length > 1 ? rows.at(-1).at : from + MINUTE;
  const inner = { w: width - PAD.left - PAD.right, h: HEIGHT - PAD.top - PAD.bottom };
  const values = rows.flatMap((r) => spec.series.map((s) => r[s.key])).filter((v) => typeof v === 'number');
  const ys = yScale(Math.max(0, ...values));
  const x = (t) => PAD.left + ((t - from) / (to - from)) * inner.w;
  const y = (v) => PAD.top + inner.h - (v / ys.max) * inner.h;
  const xt = xTicks(from, to, inner.w);
  const guide = svg('line', { class: 'guide', y1: PAD.top, y2: PAD.top + inner.h, visibility: 'hidden' });
  const dots = svg('g');
  const show = (i) => {
    const r = rows[i];
    if (!r) return;
    guide.setAttribute('x1', x(r.at));
    guide.setAttribute('x2', x(r.at));
    guide.setAttribute('visibility', 'visible');
    fill(dots, spec.series.filter((s) => typeof r[s.key] === 'number').map((s) =>
      svg('circle', { class: `dot series-${s.key}`, cx: x(r.at), cy: y(r[s.key]), r: 3.5 })));
  };
  const chart = svg('svg', { width, height: HEIGHT, viewBox: `0 0 ${width} ${HEIGHT}`, class: 'chart' },
    ys.ticks.map((v) => [svg('line', { class: 'grid', x1: PAD.left, x2: PAD.left + inner.w, y1: y(v), y2: y(v) }),
      svg('text', { class: 'axis', x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, num(v))]),
    xt.out.map((t) => svg('text', { class: 'axis', x: x(t), y: HEIGHT - 6, 'text-anchor': 'middle' }, xt.label(t))),
    spec.series.map((s) => svg('path', { class: `line series-${s.key}`, d: linePath(rows, s.key, x, y) })),
    spec.series.map((s) => alone(rows, s.key).map((r) =>
      svg('circle', { class: `alone series-${s.key}`, cx: x(r.at), cy: y(r[s.key]), r: 2.5 }))),
    guide, dots);
  chart.addEventListener('pointermove', (ev) => {
    const at = from + ((ev.offsetX - PAD.left) / inner.w) * (to - from);
    pick(nearest(rows, at));
  });
  fill(box, chart);
  return show;
}

function nearest(rows, at) {
  let best = 0;
  rows.forEach((r, i) => {
    if (Math.abs(r.at - at) < Math.abs(rows[best].at - at)) best = i;
  });
  return best;
}

// spec: {id, title, series: [{key, name, peak}]} (peak: a measure that does
// not add up, whose highest value the totals line shows under that name). Returns {el, update(rows, unit)},
// rows: [{at: ms, [key]: number | null}] oldest first, unit: "jobs per
// minute". signal stops the resize watching when the view goes away.
export function timeChart(spec, signal) {
  const box = h('div', { class: 'chart-box', tabindex: 0, role: 'img', 'aria-roledescription': 'chart' });
  const unit = h('span', { class: 'unit' });
  const readout = h('p', { class: 'readout', 'aria-live': 'polite' });
  const totals = h('p', { class: 'totals' });
  const table = h('div');
  const details = h('details', {}, h('summary', { text: 'Show as table' }), table);
  const state = { rows: [], index: -1, show: () => {}, width: 0 };
  const pick = (i) => {
    state.index = i;
    state.show(i);
    const r = state.rows[i];
    if (r) readout.textContent = `${pointTime(r.at)}: ${spec.series.map((s) => `${s.name} ${num(r[s.key])}`).join(', ')}`;
  };
  const redraw = () => {
    state.width = box.clientWidth;
    if (!state.rows.length) return;   // nothing to draw until the data comes
    state.show = draw(box, spec, state.rows, pick);
    if (state.index >= 0) pick(Math.min(state.index, state.rows.length - 1));
  };
  box.addEventListener('keydown', (ev) => {
    const last = state.rows.length - 1;
    const to = { ArrowLeft: state.index - 1, ArrowRight: state.index + 1, Home: 0, End: last }[ev.key];
    if (to === undefined || last < 0) return;
    ev.preventDefault();
    pick(Math.max(0, Math.min(last, state.index < 0 ? last : to)));
  });
  details.addEventListener('toggle', () => fillTable(table, details.open, spec, state.rows));
  const resize = new ResizeObserver(() => {
    if (box.clientWidth !== state.width) redraw();
  });
  resize.observe(box);
  signal?.addEventListener('abort', () => resize.disconnect());
  const el = h('figure', { class: 'chart-figure', id: spec.id },
    h('figcaption', {}, h('h2', { text: spec.title }), unit),
    legend(spec.series), totals, box, readout, details);
  const update = (rows, unitText) => {
    state.rows = rows;
    unit.textContent = unitText;
    box.setAttribute('aria-label', `${spec.title}, ${unitText}; the arrow keys read out each point`);
    totals.textContent = spec.series.map((s) => `${s.peak || s.name}: ${num(sum(rows, s))}`).join(' · ');
    redraw();
    fillTable(table, details.open, spec, rows);
  };
  return { el, update };
}

// A total over the window, or for a measure that does not add up (lateness)
// its highest value.
function sum(rows, s) {
  const values = rows.map((r) => r[s.key]).filter((v) => typeof v === 'number');
  if (!values.length) return null;
  return s.peak ? Math.max(...values) : values.reduce((a, b) => a + b, 0);
}

function legend(series) {
  return h('ul', { class: 'legend' }, series.map((s) => h('li', {},
    svg('svg', { width: 24, height: 10, 'aria-hidden': 'true' },
      svg('line', { class: `line series-${s.key}`, x1: 0, x2: 24, y1: 5, y2: 5 })), ' ', s.name)));
}

// Built only while open: a week of minutes is thousands of cells.
function fillTable(table, open, spec, rows) {
  if (!open) {
    fill(table);
    return;
  }
  const columns = [{ label: 'Time (UTC)', cell: (r) => pointTime(r.at).replace(' UTC', '') },
    ...spec.series.map((s) => ({ label: s.name, cell: (r) => num(r[s.key]) }))];
  fill(table, dataTable(spec.title, columns, rows.slice().reverse()));
}
