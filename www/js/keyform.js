// The first screen: paste an API key. The key is checked against the API
// before it is kept, and lives only in sessionStorage (see session.js). The
// input has no name, and the page's CSP forbids form submission, so the key
// can never end up in a URL even if this script fails to intercept submit.
import { api } from './api.js';
import { fill, field, h } from './dom.js';
import { errorBox } from './errors.js';
import { setApiKey } from './session.js';

export function keyForm(root, onKey) {
  const input = h('input', { type: 'password', autocomplete: 'off', spellcheck: 'false',
    autocapitalize: 'off', required: true, placeholder: 'dq_…' });
  const problem = h('div');
  const form = h('form', { class: 'key-form', 'aria-labelledby': 'key-title' },
    field('API key', input, 'Kept in this browser tab only and sent only to this server\'s API.'),
    h('div', { class: 'field submit' }, h('button', { type: 'submit', class: 'primary' }, 'Use this key')),
    problem);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const key = input.value.trim();
    fill(problem);
    try {
      await api('GET', '/queues', undefined, { key });   // any cheap authenticated read
    } catch (e) {
      const lead = e.status === 401 ? 'This key was not accepted: check that it was pasted whole ' +
        'and has not been rotated or disabled.' : null;
      fill(problem, errorBox(e, 'Checking the key', lead));
      input.focus();
      return;
    }
    input.value = '';
    setApiKey(key);
    onKey();
  });
  fill(root,
    h('h1', { id: 'key-title', tabindex: -1, text: 'Sign in with an API key' }),
    h('p', { class: 'lead', text: 'Paste the API key of the account whose jobs you want to see ' +
      '(dqctl account add prints it). Closing the tab forgets it.' }),
    form);
  input.focus();
}
