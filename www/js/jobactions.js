// The buttons for what a job's status allows (its `actions` list from the
// API: approve, cancel, retry). The server decides what is allowed; the
// console only offers what it lists, and reports a refusal (409) in words.
import { api, seg } from './api.js';
import { h } from './dom.js';
import { notify, notifyError } from './notice.js';
import { approver } from './session.js';

const LABEL = { approve: 'Approve', cancel: 'Cancel job', retry: 'Retry' };
const DONE = { approve: 'Approved', cancel: 'Cancelled', retry: 'Retried' };
const CLASS = { approve: 'primary', cancel: 'danger', retry: '' };

// onDone(job) runs with the job as the API returned it after the action.
export function actionButtons(job, onDone) {
  const buttons = (job.actions || []).filter((a) => LABEL[a]).map((action) =>
    h('button', {
      type: 'button',
      class: CLASS[action],
      'data-action': action,
      'aria-label': `${LABEL[action]} ${job.id}`,
      onclick: (ev) => perform(job, action, ev.currentTarget, onDone),
    }, LABEL[action]));
  return h('div', { class: 'actions' }, buttons);
}

// aria-disabled rather than disabled while busy: a disabled button drops the
// keyboard focus to <body>, and the views put it back on the next item.
async function perform(job, action, btn, onDone) {
  if (btn.getAttribute('aria-disabled') === 'true') return;
  btn.setAttribute('aria-disabled', 'true');
  const name = approver();
  const body = action === 'approve' && name ? { approved_by: name } : undefined;
  try {
    const after = await api('POST', `/jobs/${seg(job.id)}/${action}`, body);
    notify(`${DONE[action]} ${job.id}; it is now ${after.status.replace(/_/g, ' ')}.`);
    onDone(after);
  } catch (e) {
    notifyError(e, `${LABEL[action]} ${job.id}`);
    btn.removeAttribute('aria-disabled');
  }
}
