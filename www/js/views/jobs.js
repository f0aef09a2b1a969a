// The jobs list: filter by status, queue and schedule (kept in the address,
// so a view can be bookmarked or shared without the key), page with the
// API's cursor, refresh the current page every few seconds while "Live" is
// on, and act on every job the filter matches (bulk.js).
import { api } from '../api.js';
import { bulkPanel } from '../bulk.js';
import { fill, field, h } from '../dom.js';
import { errorBox } from '../errors.js';
import { badge, NONE, target, when } from '../format.js';
import { changed, every } from '../poll.js';
import { dataTable } from '../table.js';

export const STATUSES = ['pending', 'active', 'awaiting_approval', 'completed', 'failed', 'cancelled'];
const LIMIT = 25;
const REFRESH_MS = 4000;

export default function jobs(root, ctx) {
  const filters = { status: ctx.query.get('status') || '', queue: ctx.query.get('queue') || '',
    schedule_id: ctx.query.get('schedule_id') || '' };
  const page = { cursors: [null], index: 0, seen: {}, seq: 0 };
  const out = h('div', { class: 'results' });
  const live = h('input', { type: 'checkbox', checked: true });
  const load = async () => {
    const seq = ++page.seq;   // a late answer for an older page must not win
    const q = new URLSearchParams({ limit: String(LIMIT) });
    if (filters.status) q.set('status', filters.status);
    if (filters.queue) q.set('queue', filters.queue);
    if (filters.schedule_id) q.set('schedule_id', filters.schedule_id);
    if (page.cursors[page.index]) q.set('cursor', page.cursors[page.index]);
    try {
      const res = await api('GET', `/jobs?${q}`, undefined, { signal: ctx.signal });
      if (seq !== page.seq) return;
      page.cursors[page.index + 1] = res.next_cursor;
      if (changed(page.seen, res)) draw(out, res, page.index);
      bulk.update(res.total);
    } catch (e) {
      if (ctx.signal.aborted || seq !== page.seq) return;
      page.seen.last = null;
      fill(out, errorBox(e, 'Loading jobs'));
    }
    pager.update();
  };
  const pager = pagerControls(page, load);
  const bulk = bulkPanel(filters, load);
  fill(root,
    h('h1', { tabindex: -1, text: 'Jobs' }),
    filterForm(filters, live),
    bulk.el, out, pager.el);
  queueNames(ctx.signal);
  load();
  every(REFRESH_MS, () => (live.checked ? load() : null), ctx.signal);
}

function filterForm(filters, live) {
  const status = h('select', {}, h('option', { value: '', text: 'Any status' }),
    STATUSES.map((s) => h('option', { value: s, text: s.replace(/_/g, ' ') })));
  status.value = filters.status;
  const queue = h('input', { type: 'text', list: 'queue-names', value: filters.queue,
    autocomplete: 'off', spellcheck: 'false' });
  const schedule = h('input', { type: 'text', value: filters.schedule_id, autocomplete: 'off',
    spellcheck: 'false', placeholder: 'sch_…', size: 22 });
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter jobs' },
    field('Status', status), field('Queue', queue), field('Schedule', schedule),
    h('div', { class: 'field submit' }, h('button', { type: 'submit', text: 'Show jobs' })),
    h('div', { class: 'field check' }, h('label', {}, live, ' Live refresh')),
    h('datalist', { id: 'queue-names' }));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    if (status.value) q.set('status', status.value);
    if (queue.value.trim()) q.set('queue', queue.value.trim());
    if (schedule.value.trim()) q.set('schedule_id', schedule.value.trim());
    const hash = `#/jobs${q.size ? `?${q}` : ''}`;
    if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
    else location.hash = hash;
  });
  return form;
}

// Offer the known queue names in the filter; the list is a convenience only.
async function queueNames(signal) {
  try {
    const res = await api('GET', '/queues', undefined, { signal });
    const list = document.getElementById('queue-names');
    if (list) fill(list, res.data.map((q) => h('option', { value: q.name })));
  } catch {
    /* without the list the field still takes any name */
  }
}

const COLUMNS = [
  { label: 'Job', cell: (j) => h('a', { href: `#/jobs/${j.id}`, text: j.id }) },
  { label: 'Status', cell: (j) => badge(j.status) },
  { label: 'Queue', cell: (j) => j.queue },
  { label: 'Request', cell: (j) => target(j.method, j.url) },
  { label: 'Attempts', cell: (j) => `${j.attempts} / ${j.max_attempts}` },
  { label: 'Created', cell: (j) => when(j.created_at) },
  { label: 'Last result', cell: (j) => lastResult(j) },
];

function lastResult(j) {
  if (j.response_code !== null) return `HTTP ${j.response_code}`;
  return j.last_error || NONE;
}

function draw(out, res, index) {
  const first = index * LIMIT + 1;
  const last = first + res.data.length - 1;
  const shown = res.data.length ? `${first}–${last} of ${res.total}` : `0 of ${res.total}`;
  fill(out,
    h('p', { class: 'count', text: `Jobs ${shown}, newest first.` }),
    res.data.length ? dataTable('Jobs', COLUMNS, res.data, (j) => ({ 'data-job': j.id })) :
      h('p', { class: 'empty', text: 'No jobs match.' }));
}

// The pager's buttons are made once and only updated, so a live refresh never
// takes the keyboard focus away from them.
function pagerControls(page, load) {
  const go = (to) => () => {
    page.index = to(page.index);
    load();
  };
  const newest = h('button', { type: 'button', onclick: go(() => 0) }, 'Newest');
  const prev = h('button', { type: 'button', onclick: go((i) => Math.max(0, i - 1)) }, 'Previous');
  const label = h('span', { class: 'page' });
  const next = h('button', { type: 'button', onclick: go((i) => i + 1) }, 'Next');
  const el = h('nav', { class: 'pager', 'aria-label': 'Pages' }, newest, prev, label, next);
  const update = () => {
    newest.disabled = prev.disabled = page.index === 0;
    next.disabled = !page.cursors[page.index + 1];
    label.textContent = `Page ${page.index + 1}`;
  };
  return { el, update };
}
