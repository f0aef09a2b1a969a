// Overview: the account's activity (GET /v1/stats) over the last hour, day or
// week, for one queue or all: jobs now by status, and charts of jobs created
// and delivered, failures, and lateness, per point of the series. The choice
// is kept in the address (replaced in place, so the focus stays on it) and
// the figures refresh while the page is open.
import { api } from '../api.js';
import { timeChart } from '../chart.js';
import { fill, field, h } from '../dom.js';
import { errorBox } from '../errors.js';
import { num } from '../format.js';
import { every } from '../poll.js';
import { STATUSES } from './jobs.js';

const WINDOWS = [['1h', 'Last hour', 15000], ['24h', 'Last day', 60000], ['7d', 'Last week', 300000]];
const CHARTS = [
  { id: 'chart-jobs', title: 'Jobs created and delivered', series: [
    { key: 'created', name: 'Created' }, { key: 'delivered', name: 'Delivered' }] },
  { id: 'chart-failures', title: 'Failures', series: [
    { key: 'failed_attempts', name: 'Failed attempts' }, { key: 'failed_jobs', name: 'Failed jobs' }] },
  { id: 'chart-lateness', title: 'Lateness (99th percentile)', series: [
    { key: 'lateness_p99_ms', name: 'Lateness p99 (ms)', peak: 'Highest lateness p99 (ms)' }] },
];

export default function overview(root, ctx) {
  const asked = ctx.query.get('window');
  const choice = { window: WINDOWS.some(([w]) => w === asked) ? asked : '1h',
    queue: ctx.query.get('queue') || '' };
  const counts = h('dl', { class: 'counts' });
  const status = h('div', { class: 'results' });
  const charts = CHARTS.map((spec) => ({ spec, chart: timeChart(spec, ctx.signal) }));
  let loaded = 0;
  let seq = 0;   // a late answer for an earlier choice must not win
  const load = async () => {
    loaded = Date.now();
    const mine = ++seq;
    const q = new URLSearchParams({ window: choice.window });
    if (choice.queue) q.set('queue', choice.queue);
    try {
      const res = await api('GET', `/stats?${q}`, undefined, { signal: ctx.signal });
      if (mine !== seq) return;
      fill(status);
      drawCounts(counts, res.now || {}, choice.queue);
      const rows = (res.series || []).map((p) => ({ ...p, at: Date.parse(p.t) }));
      for (const { spec, chart } of charts) chart.update(rows, unitText(spec, res.step_seconds));
    } catch (e) {
      if (ctx.signal.aborted || mine !== seq) return;
      const lead = e.status === 404 ? 'This dq server does not offer activity statistics ' +
        '(GET /v1/stats answered 404 Not Found).' : null;
      fill(status, errorBox(e, 'Loading the activity', lead));
    }
  };
  const choose = () => {
    const q = new URLSearchParams({ window: choice.window });
    if (choice.queue) q.set('queue', choice.queue);
    history.replaceState(null, '', `#/overview?${q}`);
    load();
  };
  fill(root, h('h1', { tabindex: -1, text: 'Overview' }),
    h('p', { class: 'lead', text: 'What this account\'s jobs have been doing. Times are UTC.' }),
    controls(choice, choose, ctx.signal), status,
    h('h2', { text: 'Jobs now' }), counts,
    charts.map((c) => c.chart.el));
  load();
  // A longer window changes more slowly: it is read again less often.
  const period = () => WINDOWS.find(([w]) => w === choice.window)[2];
  every(WINDOWS[0][2], () => (Date.now() - loaded >= period() ? load() : null), ctx.signal);
}

function unitText(spec, step) {
  const per = step === 60 ? 'minute' : step % 3600 === 0 ? (step === 3600 ? 'hour' : `${step / 3600} hours`) :
    step % 60 === 0 ? `${step / 60} minutes` : `${step} seconds`;
  return spec.id === 'chart-lateness' ? `milliseconds late, 99th percentile per ${per}` :
    `jobs per ${per}`;
}

function controls(choice, choose, signal) {
  const radios = WINDOWS.map(([w, label]) => {
    const input = h('input', { type: 'radio', name: 'window', value: w, checked: w === choice.window });
    input.addEventListener('change', () => {
      choice.window = w;
      choose();
    });
    return h('label', { class: 'choice' }, input, ` ${label}`);
  });
  const queue = h('select', {}, h('option', { value: '', text: 'All queues' }),
    choice.queue ? h('option', { value: choice.queue, text: choice.queue }) : null);
  queue.value = choice.queue;
  queue.addEventListener('change', () => {
    choice.queue = queue.value;
    choose();
  });
  queueOptions(queue, choice, signal);
  return h('div', { class: 'filters' },
    h('fieldset', { class: 'choices' }, h('legend', { text: 'Window' }), radios),
    field('Queue', queue));
}

async function queueOptions(select, choice, signal) {
  try {
    const res = await api('GET', '/queues?limit=100', undefined, { signal });
    const names = res.data.map((q) => q.name).filter((n) => n !== choice.queue);
    select.append(...names.map((n) => h('option', { value: n, text: n })));
  } catch {
    /* the current choice still shows; the activity load reports errors */
  }
}

function drawCounts(dl, now, queue) {
  fill(dl, STATUSES.map((s) => {
    const words = s.replace(/_/g, ' ');
    const q = new URLSearchParams({ status: s });
    if (queue) q.set('queue', queue);
    const n = now[s] ?? 0;
    return h('div', {}, h('dt', { text: words }),
      h('dd', {}, h('a', { href: `#/jobs?${q}`, 'data-count': s, text: num(n),
        'aria-label': `${n} ${words}${queue ? ` in ${queue}` : ''}` })));
  }));
}
