// The buttons for what a job's status allows (its `actions` list from the
// API: approve, cancel, retry; and delete once it has finished). The server
// decides what is allowed; the console reports a refusal (409) in words.
import { api, seg } from './api.js';
import { confirmAction } from './dialog.js';
import { h } from './dom.js';
import { notify, notifyError, notifyNext } from './notice.js';
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

const FINISHED = ['completed', 'failed', 'cancelled'];

// Delete, for a finished job: after a confirmation, back to the jobs list.
export function deleteButton(job) {
  if (!FINISHED.includes(job.status)) return null;
  return h('button', { type: 'button', class: 'danger', 'data-action': 'delete',
    'aria-label': `Delete ${job.id}`, onclick: () => remove(job) }, 'Delete');
}

async function remove(job) {
  const yes = await confirmAction(`Delete job ${job.id}?`,
    `It is ${job.status}. The job and its attempts are removed for good, and its dedupe key is free again.`,
    'Delete job');
  if (!yes) return;
  try {
    await api('DELETE', `/jobs/${seg(job.id)}`);
    notifyNext(`Deleted ${job.id}.`);
    location.hash = '#/jobs';
  } catch (e) {
    notifyError(e, `Delete ${job.id}`);
  }
}
