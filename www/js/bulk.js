// Bulk actions on the jobs view: act on every job the current filter
// matches (POST /v1/jobs/bulk, API.md §9), after a confirmation that names
// the count, going on through the API's cursor (at most 1,000 jobs a call)
// with a progress bar and a Stop button. The server skips jobs whose status
// no longer allows the action; the summary says how many.
import { api } from './api.js';
import { confirmAction } from './dialog.js';
import { button, fill, h } from './dom.js';
import { errorBox } from './errors.js';
import { num } from './format.js';
import { notify } from './notice.js';
import { approver } from './session.js';

const BY_STATUS = {
  failed: ['retry', 'delete'], cancelled: ['retry', 'delete'], completed: ['delete'],
  pending: ['cancel'], awaiting_approval: ['approve', 'cancel'], active: [],
};
const VERB = { retry: 'Retry', cancel: 'Cancel', approve: 'Approve', delete: 'Delete' };
const DONE = { retry: 'Retried', cancel: 'Cancelled', approve: 'Approved', delete: 'Deleted' };
const EFFECT = {
  retry: 'Each goes back to pending now and is delivered again from its first attempt.',
  cancel: 'None of them will be delivered.',
  approve: 'Each may run as soon as its time comes.',
  delete: 'They are removed for good, with their attempts.',
};

// "312 failed jobs in emails of schedule sch_…"
function described(n, filters) {
  return `${num(n)} ${filters.status.replace(/_/g, ' ')} ${n === 1 ? 'job' : 'jobs'}` +
    `${filters.queue ? ` in ${filters.queue}` : ''}${filters.schedule_id ? ` of schedule ${filters.schedule_id}` : ''}`;
}

// filters: {status, queue, schedule_id} of the list on screen; onDone()
// reloads it. update(total) follows the list's count.
export function bulkPanel(filters, onDone) {
  const buttons = h('div', { class: 'actions' });
  const progress = h('div', { class: 'bulk-progress' });
  const el = h('section', { class: 'bulk', 'aria-label': 'Act on all matching jobs' }, buttons, progress);
  const state = { total: 0, running: false };
  const actions = BY_STATUS[filters.status] || [];
  const update = (total) => {
    if (state.running || total === state.total || !actions.length) return;
    state.total = total;
    fill(buttons, total > 0 ? actions.map((a) => button(
      `${VERB[a]} ${total === 1 ? 'the' : 'all'} ${described(total, filters)}`,
      () => start(a), a === 'delete' || a === 'cancel' ? 'danger' : '')) : null);
  };
  const start = async (action) => {
    const n = state.total;
    const yes = await confirmAction(`${VERB[action]} ${described(n, filters)}?`,
      `${EFFECT[action]} They are handled up to 1,000 at a time; a job whose status has changed ` +
      'meanwhile is skipped.', `${VERB[action]} ${num(n)} ${n === 1 ? 'job' : 'jobs'}`);
    if (!yes) return;
    state.running = true;
    for (const b of buttons.querySelectorAll('button')) b.disabled = true;
    await run(action, filters, n, progress);
    state.running = false;
    state.total = -1;   // redraw the buttons with the new count
    onDone();
  };
  if (!filters.status && (filters.queue || filters.schedule_id)) {
    fill(buttons, h('p', { class: 'hint', text: 'Choose a status to act on every matching job at once.' }));
  }
  return { el, update };
}

async function run(action, filters, total, box) {
  const bar = h('progress', { max: Math.max(total, 1), value: 0, 'aria-label': `${VERB[action]} progress` });
  const said = h('p', { class: 'count', 'aria-live': 'polite' });
  const stop = { asked: false };
  const stopButton = button('Stop', () => {
    stop.asked = true;
    stopButton.disabled = true;
  });
  fill(box, bar, said, stopButton);
  const filter = Object.fromEntries(Object.entries(filters).filter(([, v]) => v));
  const sum = { matched: 0, changed: 0, skipped: 0 };
  let cursor = null;
  try {
    do {
      const body = { action, filter, ...(cursor ? { cursor } : {}) };
      if (action === 'approve' && approver()) body.approved_by = approver();
      const res = await api('POST', '/jobs/bulk', body);
      for (const k of Object.keys(sum)) sum[k] += res[k] || 0;
      bar.max = Math.max(total, sum.matched, 1);
      bar.value = sum.matched;
      said.textContent = `${DONE[action]} ${num(sum.changed)}, skipped ${num(sum.skipped)}, of ${num(total)}…`;
      cursor = res.next_cursor;
    } while (cursor && !stop.asked);
  } catch (e) {
    fill(box, errorBox(e, `${VERB[action]} after ${num(sum.changed)} of ${described(total, filters)} were done`));
    return;
  }
  const end = `${DONE[action]} ${described(sum.changed, filters)}; ${num(sum.skipped)} skipped` +
    `${stop.asked && cursor ? ' (stopped before the end)' : ''}.`;
  said.textContent = end;
  stopButton.remove();
  notify(end);
}
