// One job: every field the API returns, the actions its status allows, and
// the timeline of delivery attempts with their answers. Refreshes while open,
// so a person can watch an approved job run and complete.
import { api, seg } from '../api.js';
import { fill, h } from '../dom.js';
import { errorBox } from '../errors.js';
import { badge, block, isTimeField, NONE, when } from '../format.js';
import { actionButtons, deleteButton } from '../jobactions.js';
import { changed, every } from '../poll.js';

const REFRESH_MS = 2000;

export default function job(root, ctx) {
  const id = ctx.params[0];
  const top = h('div', { class: 'job-top' });
  const fields = h('div', { class: 'job-fields' });
  const attempts = h('div', { class: 'attempts' });
  fill(root,
    h('p', { class: 'back' }, h('a', { href: '#/jobs', text: '← All jobs' })),
    h('h1', { tabindex: -1 }, 'Job ', h('code', { text: id })),
    top, fields,
    h('h2', { text: 'Attempts' }), attempts);
  const seen = { job: {}, attempts: {} };
  const load = async () => {
    try {
      const [j, a] = await Promise.all([
        api('GET', `/jobs/${seg(id)}`, undefined, { signal: ctx.signal }),
        api('GET', `/jobs/${seg(id)}/attempts`, undefined, { signal: ctx.signal }),
      ]);
      if (changed(seen.job, j)) drawJob(top, fields, j, load);
      if (changed(seen.attempts, a)) drawAttempts(attempts, a.data);
    } catch (e) {
      if (ctx.signal.aborted) return;
      seen.job.last = seen.attempts.last = null;
      fill(top, errorBox(e, `Loading job ${id}`));
      fill(fields);
      fill(attempts);
    }
  };
  load();
  every(REFRESH_MS, load, ctx.signal);
}

function drawJob(top, fields, j, reload) {
  const hadFocus = top.contains(document.activeElement);
  const buttons = actionButtons(j, reload);
  buttons.append(...[deleteButton(j)].filter(Boolean));
  fill(top, h('p', { class: 'job-status' }, 'Status: ', badge(j.status)), buttons);
  if (hadFocus) (top.querySelector('button') || top.closest('main')).focus();
  fill(fields, h('dl', { class: 'fields' }, Object.entries(j).map(([k, v]) =>
    [h('dt', {}, h('code', { text: k })), h('dd', { 'data-field': k }, value(k, v))])));
}

// How one field of the job object is shown; unknown fields still show.
function value(name, v) {
  if (v === null || v === undefined) return h('span', { class: 'none', text: NONE });
  if (name === 'status') return badge(v);
  if (isTimeField(name) && typeof v === 'string') return when(v);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v) && name === 'actions') return v.length ? v.join(', ') : 'none';
  if (typeof v === 'object') return block(v, name);
  if (typeof v === 'string' && (v.length > 80 || v.includes('\n'))) return block(v, name);
  return h('span', { class: typeof v === 'number' ? 'num' : 'str', text: String(v) });
}

function drawAttempts(box, list) {
  if (!list.length) {
    fill(box, h('p', { class: 'empty', text: 'No delivery attempts yet.' }));
    return;
  }
  fill(box, h('ol', { class: 'timeline' }, list.map(attempt)));
}

function attempt(a) {
  const ok = a.response_code !== null && a.response_code >= 200 && a.response_code < 300;
  const code = a.response_code === null ? 'no response' : `HTTP ${a.response_code}`;
  return h('li', { class: ok ? 'ok' : 'fail' },
    h('h3', {}, `Attempt ${a.attempt}: `, h('span', { class: `code ${ok ? 'good' : 'bad'}`, text: code })),
    h('dl', { class: 'facts' },
      h('dt', { text: 'Started' }), h('dd', {}, when(a.started_at)),
      h('dt', { text: 'Took' }), h('dd', { text: a.duration_ms === null ? NONE : `${a.duration_ms} ms` }),
      h('dt', { text: 'Error' }), h('dd', { text: a.error || NONE })),
    h('p', { class: 'label', text: 'Response body' }),
    block(a.response_body, `Response body of attempt ${a.attempt}`));
}
