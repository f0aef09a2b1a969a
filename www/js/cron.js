// Cron expressions in words, for the common forms people write ("0 9 * * 1-5"
// → "at 09:00 on Monday to Friday"). Anything unusual returns null and the
// console shows the expression alone: a wrong sentence is worse than none.
// No DOM here, so the browser tests can check it under Node too.

const MACROS = {
  '@yearly': 'at 00:00 on 1 January',
  '@annually': 'at 00:00 on 1 January',
  '@monthly': 'at 00:00 on day 1 of every month',
  '@weekly': 'at 00:00 on Sunday',
  '@daily': 'at 00:00 every day',
  '@midnight': 'at 00:00 every day',
  '@hourly': 'every hour, on the hour',
};
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MONTHS = ['', 'January', 'February', 'March', 'April', 'May', 'June', 'July',
  'August', 'September', 'October', 'November', 'December'];
const DAY_ABBR = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MONTH_ABBR = ['', 'JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

// One value: a number in [min, max], or a name from abbr. NaN when not.
function value(text, min, max, abbr) {
  const i = abbr && text ? abbr.indexOf(text.toUpperCase()) : -1;
  const n = i >= 0 ? i : (/^\d+$/.test(text) ? Number(text) : NaN);
  return n >= min && n <= max ? n : NaN;
}

// A field without steps as a list of [from, to] ranges; null if it has steps or is bad.
function ranges(field, min, max, abbr) {
  const out = [];
  for (const part of field.split(',')) {
    const [a, b, extra] = part.split('-');
    if (extra !== undefined) return null;
    const from = value(a, min, max, abbr);
    const to = b === undefined ? from : value(b, min, max, abbr);
    if (Number.isNaN(from) || Number.isNaN(to) || to < from) return null;
    out.push([from, to]);
  }
  return out;
}

// "Monday, Wednesday and Friday"
function join(words) {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

function named(list, names) {
  return join(list.map(([a, b]) => (a === b ? names[a] : `${names[a]} to ${names[b]}`)));
}

const two = (n) => String(n).padStart(2, '0');

function timePart(min, hour) {
  if (min === '*' && hour === '*') return 'every minute';
  const step = /^\*\/(\d+)$/.exec(min);
  if (step && hour === '*') return `every ${Number(step[1])} minutes`;
  const m = value(min, 0, 59);
  if (Number.isNaN(m)) return null;
  const past = m === 0 ? 'on the hour' : `at ${m} minutes past`;
  if (hour === '*') return `every hour, ${past}`;
  const hstep = /^\*\/(\d+)$/.exec(hour);
  if (hstep) return `every ${Number(hstep[1])} hours, ${past}`;
  const hours = ranges(hour, 0, 23);
  if (!hours) return null;
  if (hours.length === 1 && hours[0][0] !== hours[0][1]) {
    const [a, b] = hours[0];
    return `every hour from ${two(a)}:${two(m)} to ${two(b)}:${two(m)}`;
  }
  if (hours.some(([a, b]) => a !== b)) return null;
  return `at ${join(hours.map(([a]) => `${two(a)}:${two(m)}`))}`;
}

function dayPart(dom, month, dow) {
  const days = dom === '*' ? null : ranges(dom, 1, 31);
  const months = month === '*' ? null : ranges(month, 1, 12, MONTH_ABBR);
  const weekdays = dow === '*' ? null : ranges(dow, 0, 7, DAY_ABBR);
  if ((dom !== '*' && !days) || (month !== '*' && !months) || (dow !== '*' && !weekdays)) return null;
  const inMonths = months ? ` in ${named(months, MONTHS)}` : '';
  const single = days && days.length === 1 && days[0][0] === days[0][1];
  const numbers = Array.from({ length: 32 }, (_, i) => String(i));
  const dayList = days && `${single ? 'day' : 'days'} ${named(days, numbers)}`;
  if (days && weekdays) return `on ${dayList} of the month or on ${named(weekdays, DAYS)}${inMonths}`;
  if (weekdays) return `on ${named(weekdays, DAYS)}${inMonths}`;
  if (single && months && months.length === 1 && months[0][0] === months[0][1]) {
    return `on ${days[0][0]} ${MONTHS[months[0][0]]}`;
  }
  if (days) return `on ${dayList} of ${months ? named(months, MONTHS) : 'every month'}`;
  return months ? `every day${inMonths}` : 'every day';
}

// "0 9 * * 1-5" → "at 09:00 on Monday to Friday"; null when not a common form.
export function cronWords(expr) {
  const text = String(expr || '').trim();
  if (MACROS[text.toLowerCase()]) return MACROS[text.toLowerCase()];
  const f = text.split(/\s+/);
  if (f.length !== 5) return null;
  const time = timePart(f[0], f[1]);
  const days = dayPart(f[2], f[3], f[4]);
  if (!time || !days) return null;
  if (days === 'every day') return time.startsWith('every') ? time : `${time} every day`;
  return `${time} ${days}`;
}
