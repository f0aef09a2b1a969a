// The page-wide message line under the header: confirmations of actions
// ("Approved job_…") and errors from actions. It is a polite live region, so
// screen readers hear it; route changes clear it.
import { fill, h } from './dom.js';
import { errorBox } from './errors.js';

const box = () => document.getElementById('notice');

export function notify(text) {
  fill(box(), h('p', { class: 'ok', text }));
}

export function notifyError(err, doing) {
  fill(box(), errorBox(err, doing));
}

export function clearNotice() {
  fill(box());
}
