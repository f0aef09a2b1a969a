// A modal confirmation for destructive actions (purge, delete). The native
// <dialog> gives focus trapping and Escape-to-cancel; focus returns to the
// button that opened it. The safe choice (Keep) has focus first.
import { h } from './dom.js';

export function confirmAction(title, message, confirmLabel) {
  const opener = document.activeElement;
  return new Promise((resolve) => {
    const titleId = 'confirm-title';
    const keep = h('button', { type: 'button', class: 'quiet', value: 'no' }, 'Keep');
    const go = h('button', { type: 'button', class: 'danger', value: 'yes' }, confirmLabel);
    const dlg = h('dialog', { class: 'confirm', 'aria-labelledby': titleId },
      h('h2', { id: titleId, text: title }),
      h('p', { text: message }),
      h('div', { class: 'buttons' }, keep, go));
    keep.addEventListener('click', () => dlg.close('no'));
    go.addEventListener('click', () => dlg.close('yes'));
    dlg.addEventListener('close', () => {
      dlg.remove();
      if (opener && opener.isConnected) opener.focus();
      resolve(dlg.returnValue === 'yes');
    });
    document.body.append(dlg);
    dlg.showModal();
    keep.focus();
  });
}
