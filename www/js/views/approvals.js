// The approvals inbox: every job awaiting approval, oldest first, with what it
// would send (method, url, headers, payload) so a person can say yes or no.
// The API lists newest first, so the inbox reads every page and reverses.
import { api } from '../api.js';
import { fill, field, h } from '../dom.js';
import { errorBox } from '../errors.js';
import { block, NONE, target, when } from '../format.js';
import { actionButtons } from '../jobactions.js';
import { changed, every } from '../poll.js';
import { approver, setApprover } from '../session.js';

const PAGE = 100;
const MAX_PAGES = 50;   // 5000 jobs: enough for a person, bounded for the browser

export default function approvals(root, ctx) {
  const list = h('div', { class: 'inbox' });
  const count = h('p', { class: 'count', 'aria-live': 'polite' });
  const name = h('input', { type: 'text', autocomplete: 'name', maxlength: 255, value: approver() });
  name.addEventListener('change', () => setApprover(name.value));
  name.addEventListener('input', () => setApprover(name.value));
  fill(root,
    h('h1', { tabindex: -1, text: 'Approvals' }),
    h('p', { class: 'lead', text: 'Jobs waiting for a person to say yes or no, oldest first.' }),
    h('div', { class: 'approver' },
      field('Approved by (optional)', name,
        'Recorded on the jobs you approve; empty means the account name.')),
    count, list);
  const seen = {};
  const load = async () => {
    let jobs;
    try {
      jobs = await fetchAll(ctx.signal);
    } catch (e) {
      if (ctx.signal.aborted) return;
      seen.last = null;
      fill(list, errorBox(e, 'Loading the approvals inbox'));
      return;
    }
    if (changed(seen, jobs)) draw(list, count, jobs, load);
  };
  load();
  every(5000, load, ctx.signal);
}

async function fetchAll(signal) {
  const jobs = [];
  let cursor = null;
  for (let i = 0; i < MAX_PAGES; i++) {
    const q = new URLSearchParams({ status: 'awaiting_approval', limit: String(PAGE) });
    if (cursor) q.set('cursor', cursor);
    const page = await api('GET', `/jobs?${q}`, undefined, { signal });
    jobs.push(...page.data);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return jobs.reverse();
}

function draw(list, count, jobs, reload) {
  const focusedJob = document.activeElement?.closest?.('[data-job]')?.dataset.job;
  count.textContent = jobs.length === 1 ? '1 job is waiting.' :
    `${jobs.length} jobs are waiting.`;
  if (jobs.length === 0) {
    fill(list, h('p', { class: 'empty', text: 'Nothing is waiting for approval.' }));
    return;
  }
  fill(list, jobs.map((j) => card(j, reload)));
  if (focusedJob) refocus(list, focusedJob);
}

// After a redraw, keep the keyboard where it was, or on the next card.
function refocus(list, jobId) {
  const cards = [...list.querySelectorAll('[data-job]')];
  const same = cards.find((c) => c.dataset.job === jobId);
  const target = same || cards[0];
  target?.querySelector('button')?.focus();
}

function card(job, reload) {
  const headingId = `h-${job.id}`;
  return h('article', { class: 'card', 'data-job': job.id, 'aria-labelledby': headingId },
    h('h2', { id: headingId }, target(job.method, job.url)),
    h('dl', { class: 'facts' },
      fact('Job', h('a', { href: `#/jobs/${job.id}`, text: job.id })),
      fact('Queue', job.queue),
      fact('Created', when(job.created_at)),
      fact('Runs', job.delay_until ? when(job.delay_until) : 'as soon as approved'),
      fact('Attempts allowed', String(job.max_attempts)),
      fact('Callback', job.callback_url || NONE)),
    h('h3', { text: 'Headers' }), headersTable(job.headers),
    h('h3', { text: 'Payload' }), block(job.payload, `Payload of ${job.id}`),
    actionButtons(job, () => reload()));
}

function fact(name, value) {
  return [h('dt', { text: name }), h('dd', {}, value)];
}

function headersTable(headers) {
  const entries = Object.entries(headers || {});
  if (entries.length === 0) return h('p', { class: 'none', text: 'None' });
  return h('table', { class: 'headers' },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col', text: 'Name' }), h('th', { scope: 'col', text: 'Value' }))),
    h('tbody', {}, entries.map(([k, v]) => h('tr', {}, h('td', {}, h('code', { text: k })),
      h('td', {}, h('code', { text: v }))))));
}
