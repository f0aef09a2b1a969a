// Scenario steps about the operator's views and the console as a whole:
// queues, schedules, keyboard use, phone width, cron in words, hygiene, and
// forgetting the key. Each takes the shared context t (see console.mjs).
import { cronWords } from '../../www/js/cron.js';
import { diag, eq, ok, until } from './tap.mjs';

export async function queues(t) {
  const { page } = t;
  await t.api.create({ url: `${t.target}/ok`, queue: 'pausable', requires_approval: true });
  await t.api.create({ url: `${t.target}/ok`, queue: 'pausable', delay: '1h' });
  await page.goto(`${t.url}/ui/#/queues`);
  const card = page.locator('article[data-queue="pausable"]');
  await card.getByRole('link', { name: '1 awaiting approval in pausable' }).waitFor();
  await card.getByRole('button', { name: 'Pause pausable' }).click();
  await card.getByRole('button', { name: 'Resume pausable' }).waitFor();
  ok((await card.locator('h2').innerText()).includes('paused'), 'the badge says paused');
  eq((await t.api.queue('pausable')).paused, true, 'paused on the server');

  await card.getByLabel('Concurrency').fill('3');
  await card.getByLabel('Rate per second').fill('2.5');
  await card.getByRole('button', { name: 'Save settings of pausable' }).click();
  await page.locator('#notice').getByText('Saved the settings of pausable.').waitFor();
  const q = await t.api.queue('pausable');
  eq([q.concurrency, q.rate_per_second], [3, 2.5], 'limits on the server');
  await card.getByLabel('Concurrency').fill('0');
  await card.getByRole('button', { name: 'Save settings of pausable' }).click();
  const alert = page.locator('#notice [role="alert"]');
  await alert.waitFor();
  ok(/validation_error[\s\S]*concurrency[\s\S]*Request id: req_/.test(await alert.innerText()),
    `a refused limit is explained: ${await alert.innerText()}`);

  // Purge asks first; Escape keeps the jobs, the dialog's button purges.
  await card.getByRole('button', { name: 'Purge pausable' }).click();
  const dialog = page.getByRole('dialog');
  ok((await dialog.innerText()).includes('1 pending, 1 awaiting approval'), 'the dialog says what goes');
  await t.shot('queues-purge-dialog');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  eq((await t.api.queue('pausable')).counts.cancelled, 0, 'declining purges nothing');
  await card.getByRole('button', { name: 'Purge pausable' }).click();
  await dialog.getByRole('button', { name: 'Purge queue' }).click();
  await page.locator('#notice').getByText('Purged queue pausable: 2 jobs cancelled.').waitFor();
  eq((await t.api.queue('pausable')).counts.cancelled, 2, 'purged on the server');
  await t.shot('queues');
}

// The schedules API may not exist on this server yet: then the view must
// say so with the API's error; when it does, the list and its actions work.
export async function schedules(t) {
  const { page } = t;
  const made = await t.api.call('POST', '/schedules', { cron: '0 9 * * 1-5', timezone: 'Europe/Paris',
    name: 'weekday-report', url: `${t.target}/ok` });
  await page.goto(`${t.url}/ui/#/schedules`);
  if (made.status !== 201) {
    eq(made.status, 404, 'POST /v1/schedules: 201, or 404 where the route does not exist');
    diag('the schedules API is absent here (404): checking the error view');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    ok(/does not offer schedules[\s\S]*404 not_found[\s\S]*Request id: req_\w+/.test(await alert.innerText()),
      `the 404 in words: ${await alert.innerText()}`);
    await t.shot('schedules');
    return;
  }
  const id = made.json.id;
  const row = page.locator(`tr[data-schedule="${id}"]`);
  await row.waitFor();
  const text = await row.innerText();
  ok(text.includes('weekday-report') && text.includes('at 09:00 on Monday to Friday (Europe/Paris)'),
    `cron in words: ${text}`);
  const next = await row.locator('td[data-label="Next run"]').innerText();
  ok(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in /.test(next), `next run shown: ${next}`);
  const paused = async (want) => (await t.api.call('GET', `/schedules/${id}`)).json.paused === want;
  await row.getByRole('button', { name: 'Pause weekday-report' }).click();
  await until(() => paused(true), 'paused on the server');
  await row.getByRole('button', { name: 'Resume weekday-report' }).click();
  await until(() => paused(false), 'resumed on the server');
  await row.getByRole('button', { name: 'Pause weekday-report' }).waitFor();
  await t.shot('schedules');
  // A second schedule goes through delete (the first stays for the phone view).
  const other = await t.api.call('POST', '/schedules',
    { cron: '@daily', name: 'nightly', url: `${t.target}/ok` });
  eq(other.status, 201, 'second schedule');
  await page.goto(`${t.url}/ui/#/queues`);   // and back: the list is read again
  await page.goto(`${t.url}/ui/#/schedules`);
  const gone = page.locator(`tr[data-schedule="${other.json.id}"]`);
  await gone.getByRole('button', { name: 'Delete nightly' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete schedule' }).click();
  await gone.waitFor({ state: 'detached' });
  eq((await t.api.call('GET', `/schedules/${other.json.id}`)).status, 404, 'deleted on the server');
  await row.waitFor();
}

export async function keyboard(t) {
  const { page } = t;
  await page.goto(`${t.url}/ui/#/approvals`);
  await page.getByRole('heading', { name: 'Approvals', level: 1 }).waitFor();
  await page.locator('h1').focus();
  const active = () => page.evaluate(() => document.activeElement.textContent.trim());
  // From the heading, Shift+Tab walks back through the header to the nav.
  await until(async () => {
    await page.keyboard.press('Shift+Tab');
    return (await active()) === 'Jobs';
  }, 'the Jobs link to take the focus', 5000);
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  ok(outline !== 'none', `focus is visible (outline ${outline})`);
  await page.keyboard.press('Enter');
  await until(() => page.url().endsWith('#/jobs'), 'Enter to follow the link');
  // The router puts the focus on the new view's heading (screen readers read it).
  await until(() => page.evaluate(() => document.activeElement.tagName === 'H1' &&
    document.activeElement.textContent === 'Jobs'), 'the focus on the Jobs heading');
  await page.keyboard.press('Tab');
  eq(await page.evaluate(() => document.activeElement.tagName), 'SELECT', 'Tab reaches the filters');
  await page.keyboard.press('Tab');
  await page.keyboard.type('console');
  await page.keyboard.press('Enter');
  await until(() => page.url().endsWith('#/jobs?queue=console'), 'Enter to submit the filter');
}

const VIEWS = (t) => [['approvals', '#/approvals', '.inbox > *'], ['jobs', '#/jobs', '.results > *'],
  ['job', `#/jobs/${t.jobs.xss.id}`, '.timeline'], ['schedules', '#/schedules', '.results > *'],
  ['queues', '#/queues', '.queues > *'], ['overview', '#/overview', '.chart-box svg, .results .error'],
  ['send', '#/send', 'form.job-form'], ['topics', '#/topics', '.topics > *'],
  ['schedule-editor', '#/schedules/new', '.preview > *']];

// Nothing on screen carries a style attribute: the CSP would refuse it.
const styled = (page) => page.evaluate(() => document.querySelectorAll('[style]').length);

export async function phone(t) {
  const { page } = t;
  // Long unbroken values are what would push a narrow page sideways.
  const long = 'x'.repeat(300);
  await t.api.create({ url: `${t.target}/${'a'.repeat(200)}`, queue: 'console', requires_approval: true,
    headers: { 'X-Long': long }, payload: { blob: long } });
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    for (const [name, hash, ready] of VIEWS(t)) {
      await page.goto(`${t.url}/ui/${hash}`);
      await page.locator(ready).first().waitFor();
      const [scroll, client] = await page.evaluate(() =>
        [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
      ok(scroll <= client, `${name}: ${scroll} px of content in ${client} px`);
      eq(await styled(page), 0, `${name}: elements with a style attribute`);
      await t.shot(name);
    }
  } finally {
    await page.setViewportSize({ width: 1280, height: 900 });
  }
}

export async function wideViews(t) {
  const { page } = t;
  for (const [name, hash, ready] of VIEWS(t)) {
    await page.goto(`${t.url}/ui/${hash}`);
    await page.locator(ready).first().waitFor();
    const [scroll, client] = await page.evaluate(() =>
      [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    ok(scroll <= client, `${name}: ${scroll} px of content in ${client} px`);
  }
}

export function cron() {
  const cases = {
    '*/15 * * * *': 'every 15 minutes',
    '0 * * * *': 'every hour, on the hour',
    '30 2 * * *': 'at 02:30 every day',
    '0 9 * * 1-5': 'at 09:00 on Monday to Friday',
    '0 9,17 * * MON,FRI': 'at 09:00 and 17:00 on Monday and Friday',
    '0 0 1 * *': 'at 00:00 on day 1 of every month',
    '0 0 1 1 *': 'at 00:00 on 1 January',
    '@daily': 'at 00:00 every day',
    '@weekly': 'at 00:00 on Sunday',
    '0 0 */2 * *': null,
    'nonsense': null,
  };
  for (const [expr, want] of Object.entries(cases)) eq(cronWords(expr), want, expr);
}

export async function hygiene(t) {
  eq(t.pageErrors, [], 'uncaught script errors');
  eq(t.cspReports, [], 'Content-Security-Policy refusals');
  const leaked = t.requestUrls.filter((u) => u.includes(t.key));
  eq(leaked, [], 'request URLs carrying the key');
  const outside = t.requestUrls.filter((u) => !u.startsWith(`${t.url}/`));
  eq(outside, [], 'requests to anywhere but this server');
}

export async function forget(t) {
  const { page } = t;
  await page.goto(`${t.url}/ui/#/queues`);
  await page.getByRole('button', { name: 'Forget key' }).click();
  await page.getByRole('heading', { name: 'Sign in with an API key' }).waitFor();
  eq(await page.evaluate(() => sessionStorage.getItem('dq.apiKey')), null, 'the key is gone');
  ok(await page.getByRole('button', { name: 'Forget key' }).isHidden(), 'no forget button without a key');
  await t.shot('key');
}
