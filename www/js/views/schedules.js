// Schedules: each cron schedule in words, its next and last run, and pause,
// resume and delete, links to edit it (schedule.js) and to its jobs;
// refreshed every few seconds. A server without the
// schedules API answers 404; the view then says so instead of an empty list.
import { api, seg } from '../api.js';
import { fill, h } from '../dom.js';
import { cronWords } from '../cron.js';
import { confirmAction } from '../dialog.js';
import { errorBox } from '../errors.js';
import { badge, target, when } from '../format.js';
import { notify, notifyError } from '../notice.js';
import { changed, every } from '../poll.js';
import { dataTable } from '../table.js';

const LIMIT = 100;
const REFRESH_MS = 10000;

export default function schedules(root, ctx) {
  const out = h('div', { class: 'results' });
  const more = h('p', { class: 'more' });
  fill(root, h('h1', { tabindex: -1, text: 'Schedules' }),
    h('p', { class: 'lead', text: 'Cron schedules that create jobs. The cron runs in each schedule\'s ' +
      'time zone; next and last runs are shown in UTC.' }),
    h('p', {}, h('a', { class: 'button primary', href: '#/schedules/new', text: 'New schedule' })),
    out, more);
  const state = { rows: [], cursor: null, pages: 1, seen: {} };
  const load = async (append) => {
    const q = new URLSearchParams({ limit: String(LIMIT) });
    if (append && state.cursor) q.set('cursor', state.cursor);
    try {
      const res = await api('GET', `/schedules?${q}`, undefined, { signal: ctx.signal });
      state.rows = append ? state.rows.concat(res.data) : res.data;
      state.pages = append ? state.pages + 1 : 1;
      state.cursor = res.next_cursor;
      if (changed(state.seen, state.rows)) draw(out, state.rows, () => load(false));
    } catch (e) {
      if (ctx.signal.aborted) return;
      state.seen.last = null;
      const lead = e.status === 404 ? 'This dq server does not offer schedules ' +
        '(the schedules API answered 404 Not Found).' : null;
      fill(out, errorBox(e, 'Loading schedules', lead));
    }
    fill(more, state.cursor ? h('button', { type: 'button', onclick: () => load(true) }, 'Show more') : null);
  };
  load(false);
  // Refresh only the first page: a person who asked for more is reading.
  every(REFRESH_MS, () => (state.pages === 1 ? load(false) : null), ctx.signal);
}

function draw(out, rows, reload) {
  if (!rows.length) {
    fill(out, h('p', { class: 'empty', text: 'No schedules yet.' }));
    return;
  }
  fill(out, dataTable('Schedules', columns(reload), rows, (s) => ({ 'data-schedule': s.id })));
}

function columns(reload) {
  return [
    { label: 'Name', cell: (s) => [h('strong', { text: s.name || '(no name)' }), h('br'),
      h('code', { text: s.id })] },
    { label: 'When', cell: cronCell },
    { label: 'State', cell: (s) => badge(s.paused ? 'paused' : 'active') },
    { label: 'Next run', cell: (s) => (s.paused ? 'none while paused' : when(s.next_run_at)) },
    { label: 'Last run', cell: lastRun },
    { label: 'Target', cell: (s) => target(s.method, s.url) },
    { label: 'Actions', cell: (s) => buttons(s, reload) },
  ];
}

function lastRun(s) {
  if (!s.last_job_id) return when(s.last_run_at);
  return [when(s.last_run_at), ' ', h('a', { href: `#/jobs/${s.last_job_id}`, text: 'its job' })];
}

function cronCell(s) {
  const words = cronWords(s.cron);
  return [words ? h('span', { class: 'words', text: `${words} (${s.timezone})` }) : null,
    words ? h('br') : null, h('code', { text: s.cron }), words ? null : ` (${s.timezone})`];
}

function buttons(s, reload) {
  const label = s.name || s.id;
  const verb = s.paused ? 'Resume' : 'Pause';
  const path = `/schedules/${seg(s.id)}`;
  const toggle = () => act('POST', `${path}/${verb.toLowerCase()}`, `${verb} ${label}`, reload);
  const remove = async () => {
    const yes = await confirmAction(`Delete schedule ${label}?`,
      'It stops creating jobs. Jobs it already created are kept.', 'Delete schedule');
    if (yes) act('DELETE', path, `Delete ${label}`, reload);
  };
  return h('div', { class: 'actions' },
    h('a', { class: 'button', href: `#/schedules/${seg(s.id)}`, 'aria-label': `Edit ${label}`, text: 'Edit' }),
    h('a', { class: 'button', href: `#/jobs?${new URLSearchParams({ schedule_id: s.id })}`,
      'aria-label': `Jobs of ${label}`, text: 'Jobs' }),
    h('button', { type: 'button', 'aria-label': `${verb} ${label}`, onclick: toggle }, verb),
    h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${label}`, onclick: remove },
      'Delete'));
}

// doing: "Pause nightly"; the notice says "Pause nightly: done."
async function act(method, path, doing, reload) {
  try {
    await api(method, path);
    notify(`${doing}: done.`);
    reload();
  } catch (e) {
    notifyError(e, doing);
  }
}
