// IANA time zones in the browser: the offset a zone shows at an instant (read
// from Intl, the browser's own time zone data), and the instant that shows a
// given wall-clock time, with dq's rules for the days the clocks change
// (common/base/tz.c): a time skipped by a gap maps to the gap's end, a time
// shown twice to its first showing. Seconds since the epoch throughout.
// No DOM here, so the browser tests can check it under Node too.

// Every real offset is within this of UTC; the searches look this far.
const OFF_MAX = 26 * 3600;
const formatters = new Map();

function formatter(zone) {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric',
      month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(zone, f);
  }
  return f;
}

// Whether the browser knows zone (an IANA name such as "Europe/Paris").
export function isZone(zone) {
  if (typeof zone !== 'string' || zone === '') return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

// Seconds east of UTC that zone shows at utc (seconds).
export function zoneOffset(zone, utc) {
  const p = {};
  for (const { type, value } of formatter(zone).formatToParts(new Date(utc * 1000))) p[type] = value;
  const d = new Date(0);
  d.setUTCFullYear(Number(p.year), Number(p.month) - 1, Number(p.day));
  d.setUTCHours(Number(p.hour), Number(p.minute), Number(p.second), 0);
  return d.getTime() / 1000 - utc;
}

// The first instant whose wall clock reads later than local: the clock only
// moves forward across a gap, so a binary search over OFF_MAX either side.
function gapEnd(zone, local) {
  let lo = local - OFF_MAX;
  let hi = local + OFF_MAX;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (mid + zoneOffset(zone, mid) > local) hi = mid;
    else lo = mid;
  }
  return hi;
}

// The instant showing wall-clock time local (seconds, read as if UTC) in zone:
// {utc, kind} with kind 'once', 'twice' (utc is the first showing) or 'gap'
// (local never shows; utc is when the gap ends).
export function localToUtc(zone, local) {
  const offsets = [...new Set([local - OFF_MAX, local, local + OFF_MAX].map((t) => zoneOffset(zone, t)))];
  const found = offsets.map((off) => local - off).filter((t) => zoneOffset(zone, t) === local - t);
  if (found.length === 0) return { utc: gapEnd(zone, local), kind: 'gap' };
  return { utc: Math.min(...found), kind: found.length > 1 ? 'twice' : 'once' };
}

// "UTC+02:00", "UTC−03:30"
export function offsetText(seconds) {
  const a = Math.abs(seconds);
  const hh = String(Math.floor(a / 3600)).padStart(2, '0');
  const mm = String(Math.floor((a % 3600) / 60)).padStart(2, '0');
  return `UTC${seconds < 0 ? '−' : '+'}${hh}:${mm}`;
}

// The zone names the browser knows, for a pick list (just UTC where it cannot say).
export function zoneNames() {
  let names = [];
  try {
    names = Intl.supportedValuesOf('timeZone');
  } catch {
    /* an older browser: the field still takes any name */
  }
  return names.includes('UTC') ? names : ['UTC', ...names];
}
