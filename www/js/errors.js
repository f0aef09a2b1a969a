// API errors in words: what the console was doing, what the code means, the
// server's message and field details, and the request id to quote when asking
// an operator to look in the logs.
import { h } from './dom.js';

const WORDS = {
  unauthorized: 'The API key was not accepted. Forget it and paste a valid key.',
  not_found: 'The server has no such thing (or it belongs to another account).',
  method_not_allowed: 'The server does not allow that here.',
  invalid_query: 'The filters were not accepted.',
  validation_error: 'Some values were not accepted.',
  missing_field: 'A required value is missing.',
  invalid_request: 'The request was not understood.',
  not_cancellable: 'This job cannot be cancelled in its current status.',
  not_approvable: 'This job is no longer waiting for approval.',
  not_retryable: 'Only failed or cancelled jobs can be retried.',
  not_deletable: 'Only completed, failed or cancelled jobs can be deleted.',
  invalid_cron: 'The cron expression was not accepted.',
  rate_limited: 'Too many requests for this key; try again in a moment.',
  unavailable: 'The server is busy or shutting down; try again shortly.',
  internal_error: 'The server hit a bug; the request id helps find it in the logs.',
  network_error: 'The dq server could not be reached.',
};

export function describe(err) {
  return WORDS[err.code] || 'The request failed.';
}

// A role=alert box for an ApiError; doing is e.g. "Loading jobs".
export function errorBox(err, doing, lead) {
  const status = err.status ? `${err.status} ` : '';
  return h('div', { class: 'error', role: 'alert' },
    h('p', {}, h('strong', { text: `${doing} failed.` }), ' ', lead || describe(err)),
    h('p', {}, 'The API said: ', h('code', { text: `${status}${err.code || 'error'}` }), ' — ',
      h('span', { class: 'message', text: err.message })),
    details(err.details),
    err.requestId ?
      h('p', {}, 'Request id: ', h('code', { class: 'request-id', text: err.requestId })) : null);
}

function details(list) {
  if (!list || list.length === 0) return null;
  return h('ul', { class: 'details' }, list.map((d) =>
    h('li', {}, d.field ? h('code', { text: d.field }) : null, d.field ? ': ' : '',
      d.message || JSON.stringify(d))));
}

// What the browser found wrong in a form before sending it: problems are
// [{field, message, control}]; each control is marked invalid (the marks of
// an earlier try are cleared first) and the first takes the focus. Returns
// the alert box to show, or null when there is nothing wrong.
export function problemBox(problems, doing, form) {
  for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
  if (!problems.length) return null;
  for (const p of problems) p.control?.setAttribute('aria-invalid', 'true');
  problems[0].control?.focus();
  return h('div', { class: 'error', role: 'alert' },
    h('p', {}, h('strong', { text: `${doing}: nothing was sent.` }), ' ',
      problems.length === 1 ? 'One value needs fixing:' : 'These values need fixing:'),
    h('ul', { class: 'details' }, problems.map((p) => h('li', {}, h('code', { text: p.field }), `: ${p.message}`))));
}
