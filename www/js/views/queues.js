// Queues: counts by status (each a link to those jobs), pause and resume,
// concurrency and rate limits, ordered delivery, and purge behind a
// confirmation. Live refresh
// updates counts in place and leaves limits being edited alone.
import { api, seg } from '../api.js';
import { fill, field, h } from '../dom.js';
import { confirmAction } from '../dialog.js';
import { errorBox } from '../errors.js';
import { badge } from '../format.js';
import { notify, notifyError } from '../notice.js';
import { every } from '../poll.js';
import { STATUSES } from './jobs.js';

const REFRESH_MS = 4000;

export default function queues(root, ctx) {
  const list = h('div', { class: 'queues' });
  fill(root, h('h1', { tabindex: -1, text: 'Queues' }),
    h('p', { class: 'lead', text: 'A queue appears here once a job names it or it has settings.' }),
    list);
  const cards = new Map();
  const load = async () => {
    try {
      const res = await api('GET', '/queues?limit=100', undefined, { signal: ctx.signal });
      const names = res.data.map((q) => q.name).join('\n');
      if (names !== [...cards.keys()].join('\n')) redraw(list, cards, res.data, load);
      else res.data.forEach((q) => cards.get(q.name).update(q));
    } catch (e) {
      if (ctx.signal.aborted) return;
      cards.clear();
      fill(list, errorBox(e, 'Loading queues'));
    }
  };
  load();
  every(REFRESH_MS, load, ctx.signal);
}

function redraw(list, cards, data, reload) {
  cards.clear();
  data.forEach((q) => cards.set(q.name, queueCard(q, reload)));
  if (!data.length) fill(list, h('p', { class: 'empty', text: 'No queues yet.' }));
  else fill(list, [...cards.values()].map((c) => c.el));
}

// One queue's card; update(q) refreshes it from a newer queue object.
function queueCard(q, reload) {
  let current = q;
  const headingId = `q-${q.name}`;
  const state = h('span');
  const counts = h('dl', { class: 'counts' });
  const limits = limitsForm(q, (after) => update(after));
  const toggle = h('button', { type: 'button', onclick: () => pauseResume(current, update) });
  const purge = h('button', { type: 'button', class: 'danger', 'aria-label': `Purge ${q.name}`,
    onclick: () => purgeQueue(current, reload) }, 'Purge');
  const el = h('article', { class: 'card queue', 'data-queue': q.name, 'aria-labelledby': headingId },
    h('h2', { id: headingId }, h('span', { text: q.name }), ' ', state),
    counts, limits.el, h('div', { class: 'actions' }, toggle, purge));
  function update(next) {
    current = next;
    fill(state, badge(next.paused ? 'paused' : 'running'), next.ordered ? [' ', badge('ordered')] : null);
    toggle.textContent = next.paused ? 'Resume' : 'Pause';
    toggle.setAttribute('aria-label', `${next.paused ? 'Resume' : 'Pause'} ${next.name}`);
    fill(counts, STATUSES.map((s) => countItem(next, s)));
    limits.update(next);
  }
  update(q);
  return { el, update };
}

// One count, linking to the jobs it counts; a <div> groups each dt/dd pair
// so the counts can flow as a grid.
function countItem(q, status) {
  const words = status.replace(/_/g, ' ');
  const href = `#/jobs?${new URLSearchParams({ queue: q.name, status })}`;
  return h('div', {}, h('dt', { text: words }),
    h('dd', {}, h('a', { href, 'aria-label': `${q.counts[status]} ${words} in ${q.name}`,
      text: String(q.counts[status]) })));
}

// A server that does not know ordered queues shows no `ordered` field; the
// form then neither shows nor sends it (unknown fields are refused).
function limitsForm(q, onSaved) {
  const { name } = q;
  const conc = h('input', { type: 'number', min: 1, max: 10000, step: 1, placeholder: 'unlimited' });
  const rate = h('input', { type: 'number', min: 0.01, max: 100000, step: 'any', placeholder: 'unlimited' });
  const ordered = h('input', { type: 'checkbox' });
  const hasOrdered = 'ordered' in q;
  let dirty = false;
  // novalidate: the API's own message (with the allowed range) says what is wrong.
  const el = h('form', { class: 'limits', 'aria-label': `Settings of ${name}`, novalidate: true },
    field('Concurrency', conc, 'Jobs running at once; empty for no limit.'),
    field('Rate per second', rate, 'Jobs started per second; empty for no limit.'),
    hasOrdered ? h('div', { class: 'field check' }, h('label', {}, ordered, ' Ordered'),
      h('small', { class: 'hint', text: 'One job at a time, in run_at order.' })) : null,
    h('div', { class: 'field submit' },
      h('button', { type: 'submit', 'aria-label': `Save settings of ${name}` }, 'Save')));
  el.addEventListener('input', () => { dirty = true; });
  el.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { concurrency: number(conc.value), rate_per_second: number(rate.value) };
    if (hasOrdered) body.ordered = ordered.checked;
    try {
      const after = await api('PUT', `/queues/${seg(name)}`, body);
      dirty = false;
      onSaved(after);
      notify(`Saved the settings of ${name}.`);
    } catch (e) {
      notifyError(e, `Saving the settings of ${name}`);
    }
  });
  const update = (q) => {
    if (dirty) return;   // never overwrite what a person is typing
    conc.value = q.concurrency ?? '';
    rate.value = q.rate_per_second ?? '';
    ordered.checked = Boolean(q.ordered);
  };
  return { el, update };
}

// An empty field means "no limit" (null); anything else goes to the server as
// a number, or as the text typed so the API's validation error explains it.
function number(text) {
  const t = text.trim();
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

async function pauseResume(q, update) {
  const verb = q.paused ? 'resume' : 'pause';
  try {
    const after = await api('POST', `/queues/${seg(q.name)}/${verb}`);
    update(after);
    notify(`${after.paused ? 'Paused' : 'Resumed'} queue ${q.name}.`);
  } catch (e) {
    notifyError(e, `${q.paused ? 'Resuming' : 'Pausing'} queue ${q.name}`);
  }
}

async function purgeQueue(q, reload) {
  const waiting = q.counts.pending + q.counts.awaiting_approval;
  const yes = await confirmAction(`Purge queue ${q.name}?`,
    `This cancels every job still waiting in it (now ${waiting}: ${q.counts.pending} pending, ` +
    `${q.counts.awaiting_approval} awaiting approval). Running and finished jobs are not touched.`,
    'Purge queue');
  if (!yes) return;
  try {
    const res = await api('POST', `/queues/${seg(q.name)}/purge`);
    notify(`Purged queue ${q.name}: ${res.cancelled} ${res.cancelled === 1 ? 'job' : 'jobs'} cancelled.`);
    reload();
  } catch (e) {
    notifyError(e, `Purging queue ${q.name}`);
  }
}
