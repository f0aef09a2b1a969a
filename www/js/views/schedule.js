// The schedule editor (#/schedules/new, #/schedules/<id>): the cron, its time
// zone and the job it creates. Before anything is saved the cron is checked
// as the server checks it, said in words, and its next five firings shown in
// the schedule's time zone, with the days the clocks change explained (see
// cronnext.js). Saving creates (POST) or replaces (PUT) the schedule.
import { api, seg } from '../api.js';
import { cronWords } from '../cron.js';
import { cronError, nextFirings } from '../cronnext.js';
import { fill, field, h } from '../dom.js';
import { editorPage } from '../editor.js';
import { errorBox, problemBox } from '../errors.js';
import { jobFields } from '../jobfields.js';
import { notifyNext } from '../notice.js';
import { isZone, offsetText, zoneNames } from '../tz.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const PREVIEW = 5;

export default function schedule(root, ctx) {
  const id = ctx.params[0] || null;
  return editorPage(root, ctx, {
    back: ['#/schedules', '← All schedules'],
    heading: id ? ['Edit schedule ', h('code', { text: id })] : 'New schedule',
    path: id && `/schedules/${seg(id)}`,
    blank: { cron: '', timezone: 'UTC', paused: false },
    doing: `Loading schedule ${id}`,
    form: (s) => scheduleForm(s, id),
  });
}

function scheduleForm(s, id) {
  const name = h('input', { type: 'text', autocomplete: 'off', maxlength: 255, value: s.name ?? '' });
  const cron = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', value: s.cron,
    placeholder: '0 9 * * 1-5' });
  const zone = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', list: 'zone-names',
    value: s.timezone });
  const paused = h('input', { type: 'checkbox', checked: Boolean(s.paused) });
  const preview = h('div', { class: 'preview', 'aria-live': 'polite' });
  const job = jobFields(s);
  const problem = h('div');
  const update = () => drawPreview(preview, cron.value, zone.value.trim());
  cron.addEventListener('input', update);
  zone.addEventListener('input', update);
  update();
  const form = h('form', { class: 'job-form', novalidate: true, 'aria-label': 'Schedule' },
    field('Name', name, 'Optional, to tell schedules apart.'),
    h('div', { class: 'row' },
      field('Cron', cron, 'minute hour day-of-month month day-of-week, or @daily, @hourly…'),
      field('Time zone', zone, 'An IANA name, as Europe/Paris; the cron reads its wall clock.')),
    h('datalist', { id: 'zone-names' }, zoneNames().map((z) => h('option', { value: z }))),
    preview,
    h('div', { class: 'field check' }, h('label', {}, paused, ' Paused (creates no jobs until resumed)')),
    h('h2', { text: 'The job it creates' }), job.el,
    h('div', { class: 'field submit' }, h('button', { type: 'submit', class: 'primary' }, 'Save schedule')),
    problem);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const { body, problems } = job.read();
    const bad = cronError(cron.value);
    if (bad) problems.unshift({ field: 'cron', message: bad, control: cron });
    if (!isZone(zone.value.trim())) problems.push({ field: 'timezone', message: 'not a time zone this browser knows', control: zone });
    const wrong = problemBox(problems, 'Saving the schedule', form);
    if (wrong) {
      fill(problem, wrong);
      return;
    }
    Object.assign(body, { cron: cron.value.trim(), timezone: zone.value.trim(), paused: paused.checked });
    if (name.value.trim()) body.name = name.value.trim();
    try {
      const saved = await api(id ? 'PUT' : 'POST', id ? `/schedules/${seg(id)}` : '/schedules', body);
      notifyNext(`Saved schedule ${saved.name || saved.id}.`);
      location.hash = '#/schedules';
    } catch (e) {
      fill(problem, errorBox(e, 'Saving the schedule'));
    }
  });
  return form;
}

function drawPreview(box, expr, zone) {
  if (expr.trim() === '') {
    fill(box, h('p', { class: 'hint', text: 'Type a cron expression to see when it runs.' }));
    return;
  }
  const bad = cronError(expr);
  if (bad) {
    fill(box, h('p', { class: 'invalid', text: `Not a valid cron expression: ${bad}.` }));
    return;
  }
  if (!isZone(zone)) {
    fill(box, h('p', { class: 'invalid', text: `${zone ? `"${zone}" is not` : 'Choose'} a time zone.` }));
    return;
  }
  const words = cronWords(expr);
  const firings = nextFirings(expr, zone, PREVIEW);
  fill(box,
    h('p', { class: 'words' }, words ? `Runs ${words}, ${zone} time.` :
      `No short wording for this cron (${zone} time); the times below say when it runs.`),
    h('p', { class: 'label', text: `The next ${firings.length} times, in ${zone}:` }),
    h('ol', { class: 'firings' }, firings.map((f) => h('li', { 'data-at': new Date(f.at).toISOString() },
      h('time', { datetime: new Date(f.at).toISOString(), text: firingText(f) }),
      note(f)))));
}

// "Sun 2030-03-31 03:00 UTC+02:00 (01:00 UTC)"
function firingText(f) {
  const local = new Date(f.at + f.offset * 1000);
  const utc = new Date(f.at);
  const hm = (d) => d.toISOString().slice(11, 16);
  const sameDay = local.toISOString().slice(0, 10) === utc.toISOString().slice(0, 10);
  return `${DAYS[local.getUTCDay()]} ${local.toISOString().slice(0, 10)} ${hm(local)} ${offsetText(f.offset)} ` +
    `(${sameDay ? '' : `${utc.toISOString().slice(0, 10)} `}${hm(utc)} UTC)`;
}

function note(f) {
  const wanted = new Date(f.local * 1000).toISOString().slice(11, 16);
  if (f.kind === 'gap') {
    return h('span', { class: 'dst', text: ` — ${wanted} does not exist that day (the clocks skip it), ` +
      'so it runs when they reach the end of the gap' });
  }
  if (f.kind === 'twice') {
    return h('span', { class: 'dst', text: ` — ${wanted} happens twice that day (the clocks go back); ` +
      'it runs the first time only' });
  }
  return null;
}
