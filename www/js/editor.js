// An editor's page (a schedule's, a topic's): a link back to the list, the
// heading, then the form, for a new object or for the one the route names,
// which is read first; a failed read is shown in words instead of the form.
import { api } from './api.js';
import { fill, h } from './dom.js';
import { errorBox } from './errors.js';

// back: [href, text]; path: the object's API path, or null for a new one
// (then blank fills the form); form(object) builds the form.
export async function editorPage(root, ctx, { back, heading, path, blank, doing, form }) {
  fill(root, h('p', { class: 'back' }, h('a', { href: back[0], text: back[1] })),
    h('h1', { tabindex: -1 }, heading));
  let object = blank;
  if (path) {
    try {
      object = await api('GET', path, undefined, { signal: ctx.signal });
    } catch (e) {
      if (!ctx.signal.aborted) root.append(errorBox(e, doing));
      return;
    }
  }
  root.append(form(object));
}
