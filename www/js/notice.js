// The page-wide message line under the header: confirmations of actions
// ("Approved job_…") and errors from actions. It is a polite live region, so
// screen readers hear it; route changes clear it, except for a message left
// for the next view by an action that ends by going there (a saved form).
import { fill, h } from './dom.js';
import { errorBox } from './errors.js';

const box = () => document.getElementById('notice');
let next = null;

export function notify(text) {
  fill(box(), h('p', { class: 'ok', text }));
}

export function notifyError(err, doing) {
  fill(box(), errorBox(err, doing));
}

// Says text once the view that location.hash names next is on screen.
export function notifyNext(text) {
  next = text;
}

export function clearNotice() {
  fill(box());
  if (next !== null) notify(next);
  next = null;
}
