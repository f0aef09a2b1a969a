// Topics (fan-out): each topic's endpoints, with edit, delete (behind a
// confirmation) and a link to send a job to it; and the editor for a new or
// an existing topic (PUT /v1/topics/{name} replaces its endpoint list).
import { api, seg } from '../api.js';
import { confirmAction } from '../dialog.js';
import { button, fill, field, h } from '../dom.js';
import { editorPage } from '../editor.js';
import { errorBox, problemBox } from '../errors.js';
import { NONE, when } from '../format.js';
import { headersText, parseHeaders } from '../jobfields.js';
import { notify, notifyError, notifyNext } from '../notice.js';
import { changed, every } from '../poll.js';
import { dataTable } from '../table.js';

const REFRESH_MS = 10000;

export default function topics(root, ctx) {
  const out = h('div', { class: 'topics' });
  fill(root, h('h1', { tabindex: -1, text: 'Topics' }),
    h('p', { class: 'lead', text: 'A topic is a named list of endpoints: a job sent to it becomes one job ' +
      'per endpoint, each with its own retries.' }),
    h('p', {}, h('a', { class: 'button primary', href: '#/topics/new', text: 'New topic' })),
    out);
  const seen = {};
  const load = async () => {
    try {
      const list = await readAll(ctx.signal);
      if (changed(seen, list)) draw(out, list, load);
    } catch (e) {
      if (ctx.signal.aborted) return;
      seen.last = null;
      const lead = e.status === 404 ? 'This dq server does not offer topics (the topics API answered ' +
        '404 Not Found).' : null;
      fill(out, errorBox(e, 'Loading topics', lead));
    }
  };
  load();
  every(REFRESH_MS, load, ctx.signal);
}

// Every page of the list (a topic list is short; 20 pages are plenty).
async function readAll(signal) {
  const all = [];
  let cursor = null;
  for (let i = 0; i < 20; i++) {
    const q = cursor ? `?${new URLSearchParams({ cursor })}` : '';
    const res = await api('GET', `/topics${q}`, undefined, { signal });
    all.push(...(res.data || []));
    cursor = res.next_cursor;
    if (!cursor) break;
  }
  return all;
}

function draw(out, list, reload) {
  if (!list.length) {
    fill(out, h('p', { class: 'empty', text: 'No topics yet.' }));
    return;
  }
  fill(out, list.map((t) => card(t, reload)));
}

const ENDPOINT_COLUMNS = [
  { label: 'URL', cell: (e) => h('span', { class: 'url', text: e.url }) },
  { label: 'Headers', cell: (e) => (Object.keys(e.headers || {}).length ?
    h('code', { class: 'headers-text', text: headersText(e.headers) }) : NONE) },
];

function card(t, reload) {
  const headingId = `t-${t.name}`;
  const n = (t.endpoints || []).length;
  return h('article', { class: 'card', 'data-topic': t.name, 'aria-labelledby': headingId },
    h('h2', { id: headingId, text: t.name }),
    h('p', { class: 'count', text: `${n} ${n === 1 ? 'endpoint' : 'endpoints'}` },
      t.updated_at ? [', changed ', when(t.updated_at)] : null),
    dataTable(`Endpoints of ${t.name}`, ENDPOINT_COLUMNS, t.endpoints || []),
    h('div', { class: 'actions' },
      h('a', { class: 'button', href: `#/topics/${seg(t.name)}/edit`, 'aria-label': `Edit ${t.name}`, text: 'Edit' }),
      h('a', { class: 'button', href: `#/send?${new URLSearchParams({ topic: t.name })}`,
        'aria-label': `Send a job to ${t.name}`, text: 'Send a job' }),
      h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${t.name}`,
        onclick: () => remove(t, reload) }, 'Delete')));
}

async function remove(t, reload) {
  const yes = await confirmAction(`Delete topic ${t.name}?`,
    'Jobs already sent to it are kept; new jobs can no longer name it.', 'Delete topic');
  if (!yes) return;
  try {
    await api('DELETE', `/topics/${seg(t.name)}`);
    notify(`Deleted topic ${t.name}.`);
    reload();
  } catch (e) {
    notifyError(e, `Deleting topic ${t.name}`);
  }
}

// The editor: #/topics/new, or #/topics/<name>/edit.
export function topicEditor(root, ctx) {
  const editing = ctx.params[0] ? decodeURIComponent(ctx.params[0]) : null;
  return editorPage(root, ctx, {
    back: ['#/topics', '← All topics'],
    heading: editing ? `Edit topic ${editing}` : 'New topic',
    path: editing && `/topics/${seg(editing)}`,
    blank: { name: '', endpoints: [{ url: '', headers: null }] },
    doing: `Loading topic ${editing}`,
    form: (topic) => topicForm(topic, editing),
  });
}

function topicForm(topic, editing) {
  const name = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: 64,
    value: topic.name });
  const rows = h('ol', { class: 'endpoints' });
  const addRow = (e) => rows.append(endpointRow(e, rows));
  (topic.endpoints || []).forEach(addRow);
  const problem = h('div');
  const form = h('form', { class: 'job-form', novalidate: true, 'aria-label': 'Topic' },
    editing ? null : field('Name', name, 'Letters, digits, - and _.'),
    h('h2', { text: 'Endpoints' }), rows,
    h('p', {}, button('Add endpoint', () => {
      addRow({ url: '', headers: null });
      rows.lastElementChild.querySelector('input').focus();
    })),
    h('div', { class: 'field submit' }, h('button', { type: 'submit', class: 'primary' }, 'Save topic')),
    problem);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const { endpoints, problems } = readRows(rows);
    const topicName = editing || name.value.trim();
    if (!topicName) problems.unshift({ field: 'name', message: 'required', control: name });
    const wrong = problemBox(problems, 'Saving the topic', form);
    if (wrong) {
      fill(problem, wrong);
      return;
    }
    try {
      await api('PUT', `/topics/${seg(topicName)}`, { endpoints });
      notifyNext(`Saved topic ${topicName} with ${endpoints.length} ${endpoints.length === 1 ? 'endpoint' : 'endpoints'}.`);
      location.hash = '#/topics';
    } catch (e) {
      fill(problem, errorBox(e, 'Saving the topic'));
    }
  });
  return form;
}

function endpointRow(e, rows) {
  const url = h('input', { type: 'text', inputmode: 'url', autocomplete: 'off', spellcheck: 'false',
    placeholder: 'https://…', value: e.url });
  const headers = h('textarea', { rows: 2, spellcheck: 'false' }, headersText(e.headers));
  const li = h('li', { class: 'endpoint' },
    field('URL', url), field('Headers', headers, 'One "Name: value" per line.'),
    button('Remove endpoint', () => {
      li.remove();
      rows.querySelector('input')?.focus();
    }, 'quiet'));
  return li;
}

function readRows(rows) {
  const endpoints = [];
  const problems = [];
  [...rows.children].forEach((li, i) => {
    const [url, headers] = li.querySelectorAll('input, textarea');
    const ep = { url: url.value.trim() };
    if (!ep.url) problems.push({ field: `endpoints[${i}].url`, message: 'required', control: url });
    try {
      const hd = parseHeaders(headers.value);
      if (Object.keys(hd).length) ep.headers = hd;
    } catch (err) {
      problems.push({ field: `endpoints[${i}].headers`, message: err.message, control: headers });
    }
    endpoints.push(ep);
  });
  if (!endpoints.length) problems.push({ field: 'endpoints', message: 'add at least one endpoint' });
  return { endpoints, problems };
}
