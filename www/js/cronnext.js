// When a cron schedule fires, worked out in the browser before it is saved:
// the same grammar, messages and search as the server (common/model/cron.c),
// so the console can refuse a bad expression at once and show the next
// firings in the schedule's time zone. A wall-clock time skipped by a DST gap
// fires when the gap ends; one shown twice fires the first time (API.md §6).
// No DOM here, so the browser tests can check it under Node too.
import { localToUtc, zoneOffset } from './tz.js';

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG',
    'SEP', 'OCT', 'NOV', 'DEC'], base: 1 },
  { name: 'day-of-week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'], base: 0 },
];
const MACROS = { '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0', '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *' };
const MONTH_NAMES = ['', 'January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
  'September', 'October', 'November', 'December'];
// Eight years and a bit: "0 0 29 2 *" must find 2104 from 2096.
const HORIZON_DAYS = 8 * 366 + 2;

class CronError extends Error {}

const fail = (message) => {
  throw new CronError(message);
};

// The next run of letters and digits of an item, from index i.
function token(f, item, i) {
  const m = /^[A-Za-z0-9]*/.exec(item.slice(i))[0];
  if (m === '' && i < item.length) fail(`${f.name}: unexpected '${item[i]}' in '${item}'`);
  if (m === '') fail(`${f.name}: missing value in '${item}'`);
  if (m.length >= 16) fail(`${f.name}: '${m}' is too long`);
  return m;
}

function value(f, tok) {
  if (/^[0-9]/.test(tok)) {
    if (!/^[0-9]+$/.test(tok)) fail(`${f.name}: '${tok}' is not a number`);
    const v = Number(tok);
    if (v < f.min || v > f.max) fail(`${f.name}: ${v} is out of range ${f.min}-${f.max}`);
    return v;
  }
  const i = f.names ? f.names.indexOf(tok.toUpperCase()) : -1;
  if (i >= 0) return f.base + i;
  return fail(f.names ? `${f.name}: unknown name '${tok}'` : `${f.name}: '${tok}' is not a number`);
}

// "*", "a", "a-b", each with an optional "/step"; "a/step" runs to max.
function item(f, text, bits) {
  let i = 0;
  let lo;
  let hi;
  let step = 1;
  if (text[0] === '*') {
    [lo, hi, i] = [f.min, f.max, 1];
  } else {
    const a = token(f, text, 0);
    lo = value(f, a);
    i = a.length;
    hi = text[i] === '/' ? f.max : lo;
    if (text[i] === '-') {
      const b = token(f, text, i + 1);
      hi = value(f, b);
      i += 1 + b.length;
      if (hi < lo) fail(`${f.name}: range ${lo}-${hi} runs backwards`);
    }
  }
  if (text[i] === '/') {
    const s = token(f, text, i + 1);
    if (!/^[0-9]+$/.test(s)) fail(`${f.name}: step '${s}' is not a number`);
    step = Number(s);
    if (step < 1 || step > f.max) fail(`${f.name}: step ${step} is out of range 1-${f.max}`);
    i += 1 + s.length;
  }
  if (i < text.length) fail(`${f.name}: unexpected '${text[i]}' in '${text}'`);
  for (let v = lo; v <= hi; v += step) bits[v] = true;
}

function field(f, text) {
  const bits = [];
  for (const part of text.split(',')) {
    if (part === '') fail(`${f.name}: empty item in list`);
    item(f, part, bits);
  }
  return bits;
}

const monthDays = (y, m) => new Date(Date.UTC(y, m, 0)).getUTCDate();

// With AND semantics, a day-of-month no chosen month has can never fire.
function checkDays(c) {
  if (!c.domStar && !c.dowStar) return;
  const months = [];
  for (let m = 1; m <= 12; m++) {
    if (!c.month[m]) continue;
    for (let d = 1; d <= monthDays(2000, m); d++) if (c.dom[d]) return;
    months.push(m);
  }
  const day = c.dom.findIndex(Boolean);
  fail(months.length === 1 ? `day-of-month: ${day} never occurs in ${MONTH_NAMES[months[0]].slice(0, 3).toUpperCase()}` :
    `day-of-month: ${day} never occurs in any of the chosen months`);
}

function macro(text) {
  const [name, ...rest] = text.split(/[ \t]+/).filter(Boolean);
  if (rest.length) fail(`unexpected text after '${name}'`);
  const expr = MACROS[name.toLowerCase()];
  if (expr) return expr;
  if (name.toLowerCase() === '@reboot') fail('@reboot is not supported');
  return fail(`unknown macro '${name.slice(0, 20)}'`);
}

// The expression as sets of allowed values; throws a CronError whose
// message names the field, as the server's invalid_cron does.
function parse(expr) {
  let text = String(expr).replace(/^[ \t]+/, '');
  if (text.startsWith('@')) text = macro(text);
  const parts = text.split(/[ \t]+/).filter(Boolean);
  if (parts.length !== 5) fail(`expected 5 fields, got ${parts.length}`);
  const [minute, hour, dom, month, dow] = parts.map((p, i) => field(FIELDS[i], p));
  if (dow[7]) dow[0] = true;
  const c = { minute, hour, dom, month, dow, domStar: parts[2][0] === '*', dowStar: parts[4][0] === '*' };
  checkDays(c);
  return c;
}

// null when expr is a cron expression the server accepts, else why not.
export function cronError(expr) {
  try {
    parse(expr);
    return null;
  } catch (e) {
    if (e instanceof CronError) return e.message;
    throw e;
  }
}

// Vixie cron: both day fields restricted means either may match.
function dayMatches(c, day, mday) {
  const wday = (((day % 7) + 7) % 7 + 4) % 7;   // 1970-01-01 was a Thursday
  const dom = Boolean(c.dom[mday]);
  const dow = Boolean(c.dow[wday]);
  return c.domStar || c.dowStar ? dom && dow : dom || dow;
}

// The first firing on a local day, at or after `from` seconds into it, that
// is not before t0 (UTC seconds); a time in an overlap maps to its first
// showing, which may be before t0 when t0 is in the repeated hour: then it
// has fired already.
function dayNext(c, zone, day, from, t0) {
  for (let h = Math.floor(from / 3600); h < 24; h++) {
    if (!c.hour[h]) continue;
    for (let m = h * 3600 < from ? Math.floor((from - h * 3600) / 60) : 0; m < 60; m++) {
      if (!c.minute[m]) continue;
      const local = day * 86400 + h * 3600 + m * 60;
      const { utc, kind } = localToUtc(zone, local);
      const t = Math.ceil(utc / 60) * 60;
      if (t >= t0) return { t, local, kind };
    }
  }
  return null;
}

// The first firing strictly after afterMs, as the server's cron_next: the
// local days are walked from the wall-clock minute after the one showing
// just before t0, since the times a gap skipped (which fire at t0) read
// earlier than t0's own wall clock.
function next(c, zone, afterMs) {
  const t0 = (Math.floor(afterMs / 60000) + 1) * 60;
  const l = Math.ceil((t0 + zoneOffset(zone, t0 - 60)) / 60) * 60;
  let day = Math.floor(l / 86400);
  for (const last = day + HORIZON_DAYS; day <= last; day++) {
    const date = new Date(day * 86400000);
    const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    if (!c.month[m]) {
      day += monthDays(y, m) - d;   // on to the month's end
    } else if (dayMatches(c, day, d)) {
      const found = dayNext(c, zone, day, l > day * 86400 ? l - day * 86400 : 0, t0);
      if (found) return found;
    }
  }
  return null;
}

// The next `count` firings after afterMs (default now) of expr in zone, each
// {at: ms since the epoch, offset: seconds east of UTC then, local: the
// wall-clock time the cron named (seconds, read as UTC), kind: 'once' |
// 'twice' (the first of two showings) | 'gap' (that time was skipped; it
// fires when the gap ends)}. Throws on a bad expression (see cronError).
export function nextFirings(expr, zone, count, afterMs = Date.now()) {
  const c = parse(expr);
  const out = [];
  let after = afterMs;
  while (out.length < count) {
    const f = next(c, zone, after);
    if (!f) break;
    out.push({ at: f.t * 1000, offset: zoneOffset(zone, f.t), local: f.local, kind: f.kind });
    after = f.t * 1000;
  }
  return out;
}
