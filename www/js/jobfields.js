// The fields of a job to send (API.md §4.1), shared by the Send a job form
// and the schedule editor (whose jobs take the same fields but for when to
// run, dedupe and topics). read() checks what the browser can check (the
// payload is JSON, headers are "Name: value" lines, numbers are numbers)
// before anything is sent, and names each problem's field; the server's own
// validation errors are shown as they come.
import { field, h } from './dom.js';

const METHODS = ['POST', 'GET', 'PUT', 'PATCH', 'DELETE'];
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const DELAY = /^\d+[smhd]$/;

// {"X-A": "b"} → "X-A: b" lines, for editing.
export function headersText(headers) {
  return Object.entries(headers || {}).map(([k, v]) => `${k}: ${v}`).join('\n');
}

// "Name: value" lines → an object, or throws with the line at fault.
export function parseHeaders(text) {
  const out = {};
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon).trim();
    if (!TOKEN.test(name)) throw new Error(`line ${i + 1} is not "Name: value"`);
    out[name] = line.slice(colon + 1).trim();
  });
  return out;
}

// JSON text → an object or null (empty text); throws in words.
export function parsePayload(text) {
  if (text.trim() === '') return null;
  let v;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`not valid JSON (${e.message})`);
  }
  if (v !== null && (typeof v !== 'object' || Array.isArray(v))) {
    throw new Error('must be a JSON object, or empty for none');
  }
  return v;
}

const text = (value, attrs) => h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false',
  value: value ?? '', ...attrs });
const area = (value, rows) => h('textarea', { rows, spellcheck: 'false' }, value ?? '');

function controls(job) {
  const method = h('select', {}, METHODS.map((m) => h('option', { value: m, text: m })));
  method.value = job.method || 'POST';
  return {
    url: text(job.url, { inputmode: 'url', placeholder: 'https://…' }),
    method,
    headers: area(headersText(job.headers), 3),
    payload: area(job.payload === null || job.payload === undefined ? '' : JSON.stringify(job.payload, null, 2), 6),
    queue: text(job.queue, { placeholder: 'default' }),
    max_attempts: h('input', { type: 'number', min: 1, max: 100, step: 1, placeholder: '3',
      value: job.max_attempts ?? '' }),
    requires_approval: h('input', { type: 'checkbox', checked: Boolean(job.requires_approval) }),
    callback_url: text(job.callback_url, { inputmode: 'url', placeholder: 'none' }),
    timeout: text(job.timeout, { placeholder: '30s' }),
  };
}

// The form part; job: initial values (a schedule being edited), or {}.
// Returns {el, c (the controls by API field name), read() → {body, problems}}.
export function jobFields(job, hideUrl) {
  const c = controls(job);
  const urlField = field('URL', c.url, 'Where the job is sent: an absolute http or https URL.');
  const el = h('div', { class: 'job-fields-form' },
    hideUrl ? null : urlField,
    h('div', { class: 'row' }, field('Method', c.method), field('Queue', c.queue),
      field('Max attempts', c.max_attempts), field('Timeout', c.timeout, 'Per attempt, as 30s or 2m.')),
    field('Headers', c.headers, 'One "Name: value" per line.'),
    field('Payload (JSON)', c.payload, 'A JSON object, sent as the body; empty for none.'),
    field('Callback URL', c.callback_url, 'Told the outcome when the job completes or fails.'),
    h('div', { class: 'field check' }, h('label', {}, c.requires_approval, ' Requires approval')));
  return { el, c, urlField, read: () => readJob(c) };
}

function readJob(c) {
  const body = { method: c.method.value };
  const problems = [];
  const check = (name, fn) => {
    try {
      fn();
    } catch (e) {
      problems.push({ field: name, message: e.message, control: c[name] });
    }
  };
  const put = (name, value) => {
    if (value !== '' && value !== null) body[name] = value;
  };
  put('url', c.url.value.trim());
  check('headers', () => {
    const hd = parseHeaders(c.headers.value);
    if (Object.keys(hd).length) body.headers = hd;
  });
  check('payload', () => put('payload', parsePayload(c.payload.value)));
  put('queue', c.queue.value.trim());
  check('max_attempts', () => put('max_attempts', wholeNumber(c.max_attempts.value)));
  put('callback_url', c.callback_url.value.trim());
  check('timeout', () => put('timeout', delayText(c.timeout.value)));
  if (c.requires_approval.checked) body.requires_approval = true;
  return { body, problems };
}

export function wholeNumber(value) {
  const t = String(value).trim();
  if (t === '') return '';
  if (!/^\d+$/.test(t)) throw new Error('must be a whole number');
  return Number(t);
}

// "90s", "10m", "2h", "1d" (the API's delay syntax), or '' for none.
export function delayText(value) {
  const t = String(value).trim();
  if (t !== '' && !DELAY.test(t)) throw new Error('must be a number and a unit, as 30s, 10m, 2h or 1d');
  return t;
}
