// Send a job: the create form (POST /v1/jobs) for a URL or a topic, with
// when to run it and a dedupe key. What the browser can check (JSON payload,
// headers, numbers) is checked before sending; the answer is shown as the
// job created, or for a topic the jobs it fanned out into.
import { api } from '../api.js';
import { fill, field, h } from '../dom.js';
import { errorBox, problemBox } from '../errors.js';
import { badge, NONE, target, when } from '../format.js';
import { delayText, jobFields } from '../jobfields.js';
import { notify } from '../notice.js';
import { dataTable } from '../table.js';

export default function send(root, ctx) {
  const topicName = ctx.query.get('topic') || '';
  const job = jobFields({});
  const to = targetChoice(job, topicName, ctx.signal);
  const time = whenFields();
  const dedupe = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: 255 });
  const result = h('div', { class: 'sent', tabindex: -1 });
  const form = h('form', { class: 'job-form', novalidate: true, 'aria-label': 'Send a job' },
    to.el, job.el, time.el,
    field('Dedupe key', dedupe, 'Optional: while a job with this key is not failed or cancelled, ' +
      'sending again returns it instead of a new one.'),
    h('div', { class: 'field submit' }, h('button', { type: 'submit', class: 'primary' }, 'Send job')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const { body, problems } = job.read();
    to.read(body, problems);
    time.read(body, problems);
    if (dedupe.value.trim()) body.dedupe_key = dedupe.value.trim();
    const wrong = problemBox(problems, 'Sending the job', form);
    if (wrong) {
      fill(result, wrong);
      return;
    }
    try {
      const res = await api('POST', '/jobs', body);
      showSent(result, res);
      notify(res.jobs ? `Sent to topic ${res.topic}: ${res.jobs.length} jobs.` : `Sent ${res.id}.`);
    } catch (e) {
      fill(result, errorBox(e, 'Sending the job'));
    }
  });
  fill(root, h('h1', { tabindex: -1, text: 'Send a job' }),
    h('p', { class: 'lead', text: 'Create one job, or one per endpoint of a topic.' }),
    form, result);
}

// "Send to: a URL | a topic"; the topic replaces the URL field.
function targetChoice(job, topicName, signal) {
  const topic = h('input', { type: 'text', list: 'topic-names', autocomplete: 'off', spellcheck: 'false',
    value: topicName });
  const topicField = field('Topic', topic, 'One job per endpoint of the topic.');
  const radio = (value, label) => h('label', { class: 'choice' },
    h('input', { type: 'radio', name: 'send-to', value, checked: (value === 'topic') === Boolean(topicName) }),
    ` ${label}`);
  const el = h('div', {},
    h('fieldset', { class: 'choices' }, h('legend', { text: 'Send to' }), radio('url', 'A URL'), radio('topic', 'A topic')),
    topicField, h('datalist', { id: 'topic-names' }));
  const toTopic = () => el.querySelector('input[value="topic"]').checked;
  const sync = () => {
    topicField.hidden = !toTopic();
    job.urlField.hidden = toTopic();
  };
  el.addEventListener('change', sync);
  sync();
  topicNames(signal);
  const read = (body, problems) => {
    if (!toTopic()) return;
    delete body.url;
    if (topic.value.trim()) body.topic = topic.value.trim();
    else problems.push({ field: 'topic', message: 'choose a topic', control: topic });
  };
  return { el, read };
}

async function topicNames(signal) {
  try {
    const res = await api('GET', '/topics?limit=100', undefined, { signal });
    const list = document.getElementById('topic-names');
    if (list) fill(list, (res.data || []).map((t) => h('option', { value: t.name })));
  } catch {
    /* without the list the field still takes any name */
  }
}

// When: as soon as possible, after a delay, or at a time (UTC).
function whenFields() {
  const choice = h('select', {}, h('option', { value: 'now', text: 'As soon as possible' }),
    h('option', { value: 'delay', text: 'After a delay' }), h('option', { value: 'run_at', text: 'At a time (UTC)' }));
  const delay = h('input', { type: 'text', autocomplete: 'off', placeholder: '10m' });
  const runAt = h('input', { type: 'datetime-local', step: 1 });
  const delayField = field('Delay', delay, 'As 90s, 10m, 2h or 1d (at most 365d).');
  const runAtField = field('Run at (UTC)', runAt, 'The earliest time it may run, in UTC.');
  const sync = () => {
    delayField.hidden = choice.value !== 'delay';
    runAtField.hidden = choice.value !== 'run_at';
  };
  choice.addEventListener('change', sync);
  sync();
  const read = (body, problems) => {
    if (choice.value === 'now') return;
    try {
      if (choice.value === 'run_at') body.run_at = utcTime(runAt.value);
      else if (delay.value.trim() === '') throw new Error('say how long, as 90s, 10m, 2h or 1d');
      else body.delay = delayText(delay.value);
    } catch (e) {
      problems.push({ field: choice.value, message: e.message, control: choice.value === 'delay' ? delay : runAt });
    }
  };
  return { el: h('div', { class: 'row' }, field('When', choice), delayField, runAtField), read };
}

// "2026-12-05T10:00" from a datetime-local field, read as UTC.
function utcTime(value) {
  const d = new Date(`${value}${value.length === 16 ? ':00' : ''}Z`);
  if (!value || Number.isNaN(d.getTime())) throw new Error('choose a date and time');
  return d.toISOString();
}

const COLUMNS = [
  { label: 'Job', cell: (j) => h('a', { href: `#/jobs/${j.id}`, text: j.id }) },
  { label: 'Status', cell: (j) => badge(j.status) },
  { label: 'Request', cell: (j) => target(j.method, j.url) },
  { label: 'Queue', cell: (j) => j.queue },
  { label: 'Runs', cell: (j) => (j.run_at ? when(j.run_at) : NONE) },
];

function showSent(box, res) {
  const jobs = res.jobs || [res];
  const again = jobs.some((j) => j.deduplicated);
  fill(box,
    h('h2', { text: res.jobs ? `Sent to topic ${res.topic}: ${jobs.length} ${jobs.length === 1 ? 'job' : 'jobs'}` :
      `Sent: ${res.id}` }),
    again ? h('p', { class: 'note', text: 'An earlier job with the same dedupe or idempotency key was ' +
      'returned instead of a new one (deduplicated).' }) : null,
    dataTable('Jobs created', COLUMNS, jobs, (j) => ({ 'data-job': j.id })));
  box.focus();
}
