// How API values look on screen: timestamps in UTC with a relative hint,
// JSON pretty-printed, missing values as a dash. Everything returns text or
// nodes built by dom.js; nothing here produces markup.
import { h } from './dom.js';

export const NONE = '—';
const numbers = new Intl.NumberFormat('en');

// 1234 → "1,234"; null → a dash
export const num = (n) => (n === null || n === undefined ? NONE : numbers.format(n));

// "2026-11-07 05:31:56 UTC"
export function utc(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

// "3 min ago", "in 12 s", "just now"
export function relative(iso, now = Date.now()) {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '';
  const s = Math.round((t - now) / 1000);
  const a = Math.abs(s);
  if (a < 5) return 'just now';   // also hides a small clock difference with the server
  let text;
  if (a < 60) text = `${a} s`;
  else if (a < 3600) text = `${Math.round(a / 60)} min`;
  else if (a < 172800) text = `${Math.round(a / 3600)} h`;
  else text = `${Math.round(a / 86400)} days`;
  return s < 0 ? `${text} ago` : `in ${text}`;
}

// A <time> element, or a dash for null.
export function when(iso) {
  if (!iso) return h('span', { class: 'none', text: NONE });
  return h('time', { datetime: iso, title: iso }, utc(iso), ' ',
    h('span', { class: 'rel', text: `(${relative(iso)})` }));
}

// A value shown as text: strings as they are, anything else as indented JSON.
export function pretty(value) {
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2);
}

// A block of API data that may be long or hostile: pre-formatted text.
export function block(value, label) {
  if (value === null || value === undefined) return h('span', { class: 'none', text: NONE });
  return h('pre', { class: 'data', tabindex: 0, 'aria-label': label }, pretty(value));
}

export function isTimeField(name) {
  return name.endsWith('_at') || name === 'delay_until';
}

// A job's or queue's status as a labelled badge (colour is never the only cue).
export function badge(status) {
  const s = String(status);
  return h('span', { class: `badge s-${s.replace(/[^a-z_]/g, '')}`, text: s.replace(/_/g, ' ') });
}

// "POST https://…": what a job or schedule will send, url as breakable text.
export function target(method, url) {
  return h('span', { class: 'url' }, h('span', { class: 'method', text: method || '' }), ' ', url || '');
}
