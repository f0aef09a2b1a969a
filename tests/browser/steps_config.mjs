// Scenario steps about configuring dq from the console: topics, ordered
// queues, and the schedule editor, whose next firings (worked out in the
// browser) are held to what the server answers as next_run_at, across the
// days the clocks change. Each takes the shared context t (see console.mjs).
import { renameSync, writeFileSync } from 'node:fs';
import { cronError, nextFirings } from '../../www/js/cronnext.js';
import { XSS } from './steps_jobs.mjs';
import { eq, ok, until } from './tap.mjs';

const notice = (t, text) => t.page.locator('#notice').getByText(text, { exact: true }).waitFor();
// The server's refusal, in words, replacing whatever was said before.
const refusedWith = (page, re) => until(async () => re.test(await page.getByRole('alert').innerText()),
  `an alert saying ${re}`);

export async function topics(t) {
  const { page } = t;
  await page.goto(`${t.url}/ui/#/topics`);
  await page.getByRole('link', { name: 'New topic' }).click();
  await page.getByRole('heading', { name: 'New topic', level: 1 }).waitFor();
  await page.getByLabel('Name').fill('alerts');
  const row = (i) => page.locator('.endpoint').nth(i);
  await row(0).getByLabel('URL').fill(`${t.target}/a`);
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  await row(1).getByLabel('URL').fill(`${t.target}/b`);
  await row(1).getByLabel('Headers').fill('X-Key: k\nbroken');
  await page.getByRole('button', { name: 'Save topic' }).click();
  const alert = page.getByRole('alert');
  ok((await alert.innerText()).includes('endpoints[1].headers: line 2 is not "Name: value"'),
    `a bad header line is named: ${await alert.innerText()}`);
  eq((await t.api.call('GET', '/topics/alerts')).status, 404, 'nothing was saved');

  await row(1).getByLabel('Headers').fill(`X-Key: ${XSS}`);
  await page.getByRole('button', { name: 'Save topic' }).click();
  await until(() => page.url().endsWith('#/topics'), 'back to the topics list');
  await notice(t, 'Saved topic alerts with 2 endpoints.');
  const card = page.locator('article[data-topic="alerts"]');
  await card.waitFor();
  ok((await card.innerText()).includes(`X-Key: ${XSS}`), 'the header is shown as text');
  eq(await page.locator('main img').count(), 0, 'no <img> from a header value');
  let saved = (await t.api.call('GET', '/topics/alerts')).json;
  eq(saved.endpoints.map((e) => [e.url, e.headers || null]),
    [[`${t.target}/a`, null], [`${t.target}/b`, { 'X-Key': XSS }]], 'saved on the server');
  eq(await card.getByRole('link', { name: 'Send a job to alerts' }).getAttribute('href'), '#/send?topic=alerts',
    'a link to send a job to it');
  await t.shot('topics');

  await card.getByRole('link', { name: 'Edit alerts' }).click();
  await page.getByRole('heading', { name: 'Edit topic alerts' }).waitFor();
  eq(await row(0).getByLabel('URL').inputValue(), `${t.target}/a`, 'the form holds the topic');
  await row(0).getByRole('button', { name: 'Remove endpoint' }).click();
  await row(0).getByLabel('URL').fill('ftp://nope');
  await page.getByRole('button', { name: 'Save topic' }).click();
  await refusedWith(page, /400 validation_error[\s\S]*Request id: req_/);
  await row(0).getByLabel('URL').fill(`${t.target}/c`);
  await page.getByRole('button', { name: 'Save topic' }).click();
  await notice(t, 'Saved topic alerts with 1 endpoint.');
  saved = (await t.api.call('GET', '/topics/alerts')).json;
  eq(saved.endpoints.map((e) => [e.url, e.headers || null]), [[`${t.target}/c`, { 'X-Key': XSS }]], 'replaced on the server');

  await page.locator('article[data-topic="alerts"]').getByRole('button', { name: 'Delete alerts' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete topic' }).click();
  await notice(t, 'Deleted topic alerts.');
  await page.locator('article[data-topic="alerts"]').waitFor({ state: 'detached' });
  eq((await t.api.call('GET', '/topics/alerts')).status, 404, 'deleted on the server');
}

export async function ordered(t) {
  const { page } = t;
  await t.api.create({ url: `${t.target}/ok`, queue: 'ord', delay: '1h' });
  await page.goto(`${t.url}/ui/#/queues`);
  const card = page.locator('article[data-queue="ord"]');
  const save = async (want) => {
    await card.getByRole('button', { name: 'Save settings of ord' }).click();
    await notice(t, 'Saved the settings of ord.');
    eq((await t.api.queue('ord')).ordered, want, `ordered ${want} on the server`);
    await until(async () => (await card.locator('h2').innerText()).includes('ordered') === want, 'the badge');
  };
  await card.getByLabel('Ordered').check();
  await save(true);
  await t.shot('queues-ordered');
  await card.getByLabel('Ordered').uncheck();
  await save(false);
}

// The schedule clock of the stack's dispatcher (test_console.py made it
// movable): from now on it reads `ms`; null puts it back on the wall clock.
function setClock(t, ms) {
  writeFileSync(`${t.clock}.tmp`, `${ms === null ? 0 : Math.round(ms - Date.now())}\n`);
  renameSync(`${t.clock}.tmp`, t.clock);
}

const sunday = (y, month, n) => {   // the n-th Sunday (n < 0: from the end) of month (1-12), as ms
  if (n > 0) {
    const first = new Date(Date.UTC(y, month - 1, 1)).getUTCDay();
    return Date.UTC(y, month - 1, 1 + ((7 - first) % 7) + 7 * (n - 1));
  }
  const last = new Date(Date.UTC(y, month, 0));
  return Date.UTC(y, month - 1, last.getUTCDate() - last.getUTCDay());
};

// Around each change of the clocks, a cron whose wall-clock time is skipped
// or repeated; `from` is noon UTC the day before, in a year to come.
function dstCases() {
  const y = new Date().getUTCFullYear() + 2;
  const dayBefore = (ms) => ms - 12 * 3600000;
  return [
    { zone: 'Europe/Paris', cron: '30 2 * * *', from: dayBefore(sunday(y, 3, -1)), first: 'gap' },
    { zone: 'America/New_York', cron: '30 1 * * *', from: dayBefore(sunday(y, 11, 1)), first: 'twice' },
    { zone: 'Europe/London', cron: '*/30 1-2 * * *', from: dayBefore(sunday(y, 10, -1)), first: 'twice' },
    { zone: 'Australia/Lord_Howe', cron: '15 2 * * *', from: dayBefore(sunday(y, 10, 1)), first: 'gap' },
  ];
}

// A tab whose clock reads `ms` (in a context of its own: a context's tabs
// share one clock), signed in with the scenario's key.
async function tabAt(t, ms) {
  const context = await t.page.context().browser().newContext({ viewport: { width: 1280, height: 900 } });
  const tab = await context.newPage();
  await tab.clock.setFixedTime(new Date(ms));
  tab.on('pageerror', (e) => t.pageErrors.push(e.message));
  await tab.goto(`${t.url}/ui/`);
  await tab.evaluate((key) => sessionStorage.setItem('dq.apiKey', key), t.key);
  return tab;
}

// The server's next five firings: the schedule (made on the wall clock)
// fires once when its clock jumps to `from`, as a missed firing is caught
// up, then at each next_run_at as the clock reaches it.
async function serverFirings(t, id, from) {
  const get = async () => (await t.api.call('GET', `/schedules/${id}`)).json;
  const fired = (due) => until(async () => {
    const s = await get();
    return s.last_run_at === due && s;
  }, `the firing due at ${due}`, 20000);
  let s = await get();
  const seen = [];
  setClock(t, from);
  for (;;) {
    s = await fired(s.next_run_at);
    seen.push(s.next_run_at);
    if (seen.length === 5) return seen;
    setClock(t, Date.parse(s.next_run_at) + 1000);
  }
}

async function dstCase(t, c) {
  const tab = await tabAt(t, c.from);
  try {
    await tab.goto(`${t.url}/ui/#/schedules/new`);
    await tab.getByLabel('Cron').fill(c.cron);
    await tab.getByLabel('Time zone').fill(c.zone);
    await tab.getByLabel('URL', { exact: true }).fill(`${t.target}/ok`);
    await tab.getByLabel('Queue').fill('dst');
    const items = tab.locator('.firings li');
    await until(async () => (await items.count()) === 5, `five firings of ${c.cron} in ${c.zone}`);
    const shown = await items.evaluateAll((lis) => lis.map((li) => li.dataset.at));
    const first = await items.first().innerText();
    ok(first.includes(c.first === 'gap' ? 'does not exist that day' : 'happens twice that day'),
      `${c.zone}: the first firing says why: ${first}`);
    await tab.screenshot({ path: `${t.out}/schedule-dst-${c.zone.replace('/', '-')}-1280.png`, fullPage: true });
    await tab.getByRole('button', { name: 'Save schedule' }).click();
    await until(() => tab.url().endsWith('#/schedules'), 'the schedule saved');
    const id = (await t.api.call('GET', '/schedules?limit=1')).json.data[0].id;
    try {
      eq(await serverFirings(t, id, c.from), shown, `${c.cron} in ${c.zone} from ${new Date(c.from).toISOString()}`);
    } finally {
      setClock(t, null);
      await t.api.call('DELETE', `/schedules/${id}`);
    }
    return id;
  } finally {
    await tab.context().close();
  }
}

export async function dstAgainstServer(t) {
  const others = (await t.api.call('GET', '/schedules?limit=1')).json.total;
  eq(others, 0, 'no other schedule to fire while the clock moves');
  for (const c of dstCases()) t.fired = await dstCase(t, c);
}

// The jobs a schedule made (five: the catch-up and four firings, above):
// the jobs view's schedule filter, and a bulk action on it.
export async function scheduleJobs(t) {
  const { page } = t;
  const id = t.fired;
  const list = async () => (await t.api.call('GET', `/jobs?schedule_id=${id}&status=completed&limit=1`)).json.total;
  await until(async () => (await list()) === 5, 'five completed jobs of the schedule');
  await page.goto(`${t.url}/ui/#/jobs?status=completed&schedule_id=${id}`);
  eq(await page.getByLabel('Schedule').inputValue(), id, 'the schedule filter');
  await until(async () => (await page.locator('.results .count').innerText()) === 'Jobs 1–5 of 5, newest first.',
    'the five jobs listed');
  await page.getByRole('button', { name: `Delete all 5 completed jobs of schedule ${id}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete 5 jobs' }).click();
  await notice(t, `Deleted 5 completed jobs of schedule ${id}; 0 skipped.`);
  eq(await list(), 0, 'deleted on the server');
}

export async function scheduleEditor(t) {
  const { page } = t;
  const total = async () => (await t.api.call('GET', '/schedules?limit=1')).json.total;
  const before = await total();
  await page.goto(`${t.url}/ui/#/schedules`);
  await page.getByRole('link', { name: 'New schedule' }).click();
  await page.getByRole('heading', { name: 'New schedule', level: 1 }).waitFor();
  const preview = page.locator('.preview');
  await page.getByLabel('Cron').fill('61 * * * *');
  await preview.getByText('Not a valid cron expression: minute: 61 is out of range 0-59.').waitFor();
  await page.getByLabel('URL', { exact: true }).fill(`${t.target}/ok`);
  await page.getByRole('button', { name: 'Save schedule' }).click();
  ok((await page.getByRole('alert').innerText()).includes('cron: minute: 61 is out of range 0-59'), 'refused before sending');
  eq(await total(), before, 'nothing was created');

  await page.getByLabel('Cron').fill('0 9 * * 1-5');
  await page.getByLabel('Time zone').fill('Mars/Olympus');
  await preview.getByText('"Mars/Olympus" is not a time zone.').waitFor();
  await page.getByLabel('Time zone').fill('Europe/Paris');
  await preview.getByText('Runs at 09:00 on Monday to Friday, Europe/Paris time.').waitFor();
  const times = await preview.locator('li').allInnerTexts();
  eq(times.length, 5, 'five firings');
  for (const text of times) {
    ok(/^(Mon|Tue|Wed|Thu|Fri) \d{4}-\d\d-\d\d 09:00 UTC\+0[12]:00 \(0[78]:00 UTC\)$/.test(text), `a firing: ${text}`);
  }
  await page.getByLabel('Name').fill('editor-made');
  await page.getByLabel('Payload (JSON)').fill('{"report": true}');
  await page.getByLabel('Queue').fill('cron');
  await page.getByLabel('URL', { exact: true }).fill('ftp://nope');
  await page.getByRole('button', { name: 'Save schedule' }).click();
  await refusedWith(page, /400 validation_error[\s\S]*url[\s\S]*Request id: req_/);
  await page.getByLabel('URL', { exact: true }).fill(`${t.target}/ok`);
  const shown = await preview.locator('li').evaluateAll((lis) => lis.map((li) => li.dataset.at));
  await t.shot('schedule-new');
  await page.getByRole('button', { name: 'Save schedule' }).click();
  await notice(t, 'Saved schedule editor-made.');
  const s = (await t.api.call('GET', '/schedules?limit=1')).json.data[0];
  eq([s.name, s.cron, s.timezone, s.url, s.payload, s.queue, s.paused],
    ['editor-made', '0 9 * * 1-5', 'Europe/Paris', `${t.target}/ok`, { report: true }, 'cron', false], 'created on the server');
  eq(s.next_run_at, shown.find((at) => at > s.created_at), 'the server runs it next when the preview said');

  await page.locator(`tr[data-schedule="${s.id}"]`).getByRole('link', { name: 'Edit editor-made' }).click();
  await page.getByRole('heading', { name: `Edit schedule ${s.id}` }).waitFor();
  eq([await page.getByLabel('Cron').inputValue(), await page.getByLabel('Time zone').inputValue(),
    JSON.parse(await page.getByLabel('Payload (JSON)').inputValue())],
  ['0 9 * * 1-5', 'Europe/Paris', { report: true }], 'the form holds the schedule');
  await page.getByLabel('Cron').fill('*/15 * * * *');
  await page.getByLabel('Time zone').fill('Asia/Kolkata');
  await preview.getByText('Runs every 15 minutes, Asia/Kolkata time.').waitFor();
  ok((await preview.locator('li').first().innerText()).includes('UTC+05:30'), 'times in the zone\'s offset');
  const edited = await preview.locator('li').evaluateAll((lis) => lis.map((li) => li.dataset.at));
  await page.getByRole('button', { name: 'Save schedule' }).click();
  await notice(t, 'Saved schedule editor-made.');
  const after = (await t.api.call('GET', `/schedules/${s.id}`)).json;
  eq([after.cron, after.timezone, after.payload], ['*/15 * * * *', 'Asia/Kolkata', { report: true }], 'replaced on the server');
  eq(after.next_run_at, edited.find((at) => at > after.updated_at), 'the next run the preview said');
  eq((await t.api.call('DELETE', `/schedules/${s.id}`)).status, 200, 'cleaned up');
}

// cronnext.js (here under Node) against the server: the same expressions
// refused with the same words, and the same next firing for those accepted.
export async function cronAgainstServer(t) {
  const bad = ['61 * * * *', '* * * *', '0 0 30 2 *', '*/0 * * * *', '5-1 * * * *', '@reboot', '@often',
    '1,,2 * * * *', '* * * FOO *', '0 0 31 4,6 *', '0 24 * * *', '0 0 * * 8', '*/60 * * * *', 'a * * * *'];
  for (const cron of bad) {
    const r = await t.api.call('POST', '/schedules', { cron, url: `${t.target}/ok` });
    eq([r.status, r.json.error.code, r.json.error.details[0].message], [400, 'invalid_cron', `is invalid: ${cronError(cron)}`],
      `the words for ${JSON.stringify(cron)}`);
  }
  const good = [['*/7 3-5 * * *', 'UTC'], ['0 9 * * MON-FRI', 'Europe/Paris'], ['30 2 1,15 * *', 'America/New_York'],
    ['@weekly', 'Asia/Kolkata'], ['0 0 29 2 *', 'Australia/Lord_Howe'], ['15 10 * 1-3 0', 'America/Santiago']];
  for (const [cron, timezone] of good) {
    eq(cronError(cron), null, `${cron} is accepted here`);
    const r = await t.api.call('POST', '/schedules', { cron, timezone, url: `${t.target}/ok`, paused: false });
    eq(r.status, 201, `${cron} is accepted by the server`);
    const [next] = nextFirings(cron, timezone, 1, Date.parse(r.json.created_at));
    eq(new Date(next.at).toISOString(), r.json.next_run_at, `the next firing of ${cron} in ${timezone}`);
    eq((await t.api.call('DELETE', `/schedules/${r.json.id}`)).status, 200, 'deleted');
  }
}
