// The only way the console builds DOM nodes. Strings always become text nodes
// or attribute values and are never parsed as markup: job payloads, headers
// and target response bodies are attacker-controlled, so no code in the
// console uses innerHTML, insertAdjacentHTML or document.write.

// h('a', {href: '#/jobs', class: 'x', onclick: fn}, 'text', child, [more])
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    setProp(el, name, value);
  }
  add(el, ...children);
  return el;
}

function setProp(el, name, value) {
  if (value === undefined || value === null || value === false) return;
  if (name.startsWith('on')) {
    // Handlers are functions only: a string here would be an inline handler.
    if (typeof value !== 'function') throw new TypeError(`${name} must be a function`);
    el.addEventListener(name.slice(2), value);
  } else if (name === 'class') {
    el.className = value;
  } else if (name === 'text') {
    el.textContent = String(value);
  } else if (name === 'value' || name === 'checked' || name === 'disabled') {
    el[name] = value;
  } else {
    el.setAttribute(name, value === true ? '' : String(value));
  }
}

// svg('path', {d: 'M0 0L5 5', class: 'line'}): an SVG element; attributes
// only (the CSP refuses style attributes: looks come from console.css).
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== undefined && value !== null) el.setAttribute(name, String(value));
  }
  add(el, ...children);
  return el;
}

// Appends children; strings and numbers become text nodes.
export function add(el, ...children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// Replaces everything inside el.
export function fill(el, ...children) {
  el.replaceChildren();
  return add(el, ...children);
}

// A labelled form control: <div class="field"><label for=id>…</label>control</div>.
let nextId = 0;
export function field(labelText, control, hint) {
  if (!control.id) control.id = `f${++nextId}`;
  const parts = [h('label', { for: control.id, text: labelText }), control];
  if (hint) {
    const hintEl = h('small', { id: `${control.id}-hint`, class: 'hint', text: hint });
    control.setAttribute('aria-describedby', hintEl.id);
    parts.push(hintEl);
  }
  return h('div', { class: 'field' }, parts);
}

export function button(label, onclick, cls) {
  return h('button', { type: 'button', class: cls, onclick }, label);
}
