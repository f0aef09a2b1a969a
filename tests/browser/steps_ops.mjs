// Scenario steps about running jobs (API.md §9): the overview's activity
// charts, sending a job from the form, bulk actions on the jobs filter, and
// deleting a finished job. Each takes the shared context t (see console.mjs).
import { eq, ok, until } from './tap.mjs';

const notice = (t, text) => t.page.locator('#notice').getByText(text, { exact: true }).waitFor();
const sum = (series, key) => series.reduce((a, p) => a + (p[key] || 0), 0);

// What a chart shows in its totals line and its paths, beside the API's answer.
async function checkChart(t, id, series, keys) {
  const fig = t.page.locator(`#${id}`);
  for (const key of keys) {
    const d = await fig.locator(`.chart-box path.series-${key}`).getAttribute('d');
    const points = (d.match(/[ML]/g) || []).length;
    eq(points, series.filter((p) => typeof p[key] === 'number').length, `${id}: one point per value of ${key}`);
  }
  return fig.locator('.totals').innerText();
}

export async function overview(t) {
  const { page } = t;
  for (let n = 0; n < 3; n++) t.jobs[`ok${n}`] = await t.api.create({ url: `${t.target}/ok`, queue: 'stats' });
  const bad = [];
  for (let n = 0; n < 2; n++) bad.push(await t.api.create({ url: `${t.target}/fail`, queue: 'stats', max_attempts: 1 }));
  for (const j of bad) await t.api.waitStatus(j.id, 'failed');
  const stats = async (q) => (await t.api.call('GET', `/stats?${q}`)).json;
  // dq keeps the figures itself; they may take a moment to show.
  const counted = (s) => ['created', 'delivered', 'failed_attempts', 'failed_jobs'].map((k) => sum(s.series, k));
  await until(async () => JSON.stringify(counted(await stats('window=1h&queue=stats'))) === '[5,3,2,2]',
    'GET /v1/stats to count 5 created, 3 delivered, 2 failed attempts and jobs', 60000);
  // The page is held to the answer it got.
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/v1/stats?window=1h&queue=stats')),
    page.goto(`${t.url}/ui/#/overview?window=1h&queue=stats`),
  ]);
  const hour = await answer.json();
  eq(counted(hour), [5, 3, 2, 2], 'the page\'s answer counts the same');
  await page.locator('#chart-jobs .chart-box svg').waitFor();
  eq(await page.getByLabel('Queue').inputValue(), 'stats', 'the queue from the address is chosen');
  eq(await checkChart(t, 'chart-jobs', hour.series, ['created', 'delivered']), 'Created: 5 · Delivered: 3', 'jobs totals');
  eq(await checkChart(t, 'chart-failures', hour.series, ['failed_attempts', 'failed_jobs']),
    'Failed attempts: 2 · Failed jobs: 2', 'failure totals');
  await checkChart(t, 'chart-lateness', hour.series, ['lateness_p99_ms']);
  eq(await page.locator('#chart-jobs .unit').innerText(), hour.step_seconds === 60 ? 'jobs per minute' :
    `jobs per ${hour.step_seconds / 60} minutes`, 'the unit follows step_seconds');
  eq([await page.locator('a[data-count="completed"]').innerText(), await page.locator('a[data-count="failed"]').innerText()],
    [String(hour.now.completed), String(hour.now.failed)], 'jobs now, as the API counts them');
  eq(await page.locator('a[data-count="failed"]').getAttribute('href'), '#/jobs?status=failed&queue=stats', 'counts link to the jobs');

  // The arrow keys read the points out; End is the newest.
  await page.locator('#chart-jobs .chart-box').focus();
  await page.keyboard.press('End');
  const last = hour.series.at(-1);
  const readout = await page.locator('#chart-jobs .readout').innerText();
  ok(readout.endsWith(`Created ${last.created}, Delivered ${last.delivered}`) && readout.includes(':'), `readout: ${readout}`);
  await page.locator('#chart-jobs summary').click();
  await until(async () => (await page.locator('#chart-jobs tbody tr').count()) === hour.series.length,
    'the table to have a row per point');
  await t.shot('overview');

  // Another window, then all queues: the page shows what the API answered it.
  const shows = async (urlEnd, choose) => {
    const [resp] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(urlEnd)),
      choose(),
    ]);
    const body = await resp.json();
    await until(async () => (await page.locator('#chart-jobs .totals').innerText()) ===
      `Created: ${sum(body.series, 'created')} · Delivered: ${sum(body.series, 'delivered')}`, `the totals of ${urlEnd}`);
    return body;
  };
  const week = await shows('/v1/stats?window=7d&queue=stats', () => page.getByLabel('Last week').check());
  await until(() => page.url().endsWith('#/overview?window=7d&queue=stats'), 'the window in the address');
  ok(week.step_seconds > hour.step_seconds, `a week has coarser points (${week.step_seconds} s)`);
  eq(await page.locator('#chart-jobs .unit').innerText(), `jobs per ${week.step_seconds === 3600 ? 'hour' :
    `${week.step_seconds / 60} minutes`}`, 'the unit follows');
  const all = await shows('/v1/stats?window=7d', () => page.getByLabel('Queue').selectOption(''));
  await until(() => page.url().endsWith('#/overview?window=7d'), 'all queues in the address');
  ok(sum(all.series, 'created') > 5, 'all queues count more than one queue');
  await t.shot('overview-week');
}

export async function send(t) {
  const { page } = t;
  const sentCount = async () => (await t.api.call('GET', '/jobs?queue=sent&limit=1')).json.total;
  await page.goto(`${t.url}/ui/#/send`);
  await page.getByLabel('URL', { exact: true }).fill(`${t.target}/ok`);
  await page.getByLabel('Method').selectOption('PUT');
  await page.getByLabel('Queue').fill('sent');
  await page.getByLabel('Headers').fill('X-Tenant: acme\nnot a header');
  await page.getByLabel('Payload (JSON)').fill('{"order": 7,}');
  await page.getByRole('button', { name: 'Send job' }).click();
  const alert = page.locator('.sent [role="alert"]');
  await alert.waitFor();
  const said = await alert.innerText();
  ok(said.includes('nothing was sent') && said.includes('headers: line 2 is not "Name: value"') &&
    said.includes('payload: not valid JSON'), `problems in words: ${said}`);
  eq(await page.getByLabel('Headers').getAttribute('aria-invalid'), 'true', 'the headers are marked');
  ok(await page.getByLabel('Headers').evaluate((el) => el === document.activeElement), 'the first problem has the focus');
  eq(await sentCount(), 0, 'nothing reached the server');
  await t.shot('send-invalid');

  await page.getByLabel('Headers').fill('X-Tenant: acme');
  await page.getByLabel('Payload (JSON)').fill('{"order": 7, "note": "<b>x</b>"}');
  await page.getByLabel('Max attempts').fill('2');
  await page.getByLabel('Timeout').fill('10s');
  await page.getByLabel('Callback URL').fill(`${t.target}/cb`);
  await page.getByLabel('Requires approval').check();
  await page.getByLabel('When').selectOption('delay');
  await page.getByLabel('Delay', { exact: true }).fill('1h');
  await page.getByRole('button', { name: 'Send job' }).click();
  const row = page.locator('.sent tr[data-job]');
  await row.waitFor();
  const id = await row.getAttribute('data-job');
  eq(await page.getByLabel('Headers').getAttribute('aria-invalid'), null, 'the marks are gone');
  const j = await t.api.job(id);
  eq([j.method, j.url, j.headers, j.payload, j.queue, j.max_attempts, j.timeout, j.callback_url, j.required_approval, j.status],
    ['PUT', `${t.target}/ok`, { 'X-Tenant': 'acme' }, { order: 7, note: '<b>x</b>' }, 'sent', 2, '10s', `${t.target}/cb`,
      true, 'awaiting_approval'], 'the job on the server has every field sent');
  eq(Date.parse(j.delay_until) - Date.parse(j.created_at), 3600000, 'a delay of 1h');
  ok((await row.innerText()).includes('awaiting approval'), 'the created job is shown with its status');
  t.jobs.sent = j;

  // A whole second about a month ahead (run_at may be at most a year ahead).
  const runAt = new Date(Math.floor(Date.now() / 1000) * 1000 + 30 * 86400000).toISOString();
  await page.getByLabel('When').selectOption('run_at');
  await page.getByLabel('Run at (UTC)').fill(runAt.slice(0, 19));
  await page.getByLabel('Requires approval').uncheck();
  await page.getByRole('button', { name: 'Send job' }).click();
  await until(async () => (await row.getAttribute('data-job')) !== id, 'a second job');
  const at = await t.api.job(await row.getAttribute('data-job'));
  eq([at.delay_until, at.status], [runAt, 'pending'], 'run_at read as UTC');
  await t.shot('send');
}

export async function sendTopic(t) {
  const { page } = t;
  const made = await t.api.call('PUT', '/topics/fanout', { endpoints: [{ url: `${t.target}/a` },
    { url: `${t.target}/b`, headers: { 'X-Endpoint': 'b' } }] });
  ok([200, 201].includes(made.status), `PUT /v1/topics/fanout: ${made.status} ${JSON.stringify(made.json)}`);
  await page.goto(`${t.url}/ui/#/send?topic=fanout`);
  ok(await page.getByLabel('A topic').isChecked(), 'the topic from the address is chosen');
  ok(await page.getByLabel('URL', { exact: true }).isHidden(), 'no URL field for a topic');
  eq(await page.getByLabel('Topic', { exact: true }).inputValue(), 'fanout', 'the topic name');
  await page.getByLabel('Payload (JSON)').fill('{"n": 1}');
  await page.getByLabel('Queue').fill('sent');
  await page.getByRole('button', { name: 'Send job' }).click();
  await page.getByRole('heading', { name: 'Sent to topic fanout: 2 jobs' }).waitFor();
  const ids = await page.locator('.sent tr[data-job]').evaluateAll((rows) => rows.map((r) => r.dataset.job));
  eq(ids.length, 2, 'a row per job');
  const jobs = await Promise.all(ids.map((id) => t.api.job(id)));
  eq(jobs.map((j) => [j.url, j.topic, j.payload, j.queue]).sort(), [
    [`${t.target}/a`, 'fanout', { n: 1 }, 'sent'], [`${t.target}/b`, 'fanout', { n: 1 }, 'sent']],
  'one job per endpoint, each naming the topic');
  await page.getByLabel('Topic', { exact: true }).fill('');
  await page.getByRole('button', { name: 'Send job' }).click();
  ok((await page.locator('.sent [role="alert"]').innerText()).includes('topic: choose a topic'), 'a topic is required');
  await t.shot('send-topic');
}

// Clicks the bulk button, confirms, and waits for the summary.
async function bulkRun(t, buttonName, confirmName, summary) {
  await t.page.getByRole('button', { name: buttonName }).click();
  await t.page.getByRole('dialog').getByRole('button', { name: confirmName }).click();
  await notice(t, summary);
}

async function batch(t, jobs) {
  for (let i = 0; i < jobs.length; i += 100) {
    const r = await t.api.call('POST', '/jobs/batch', { jobs: jobs.slice(i, i + 100) });
    eq(r.status, 200, 'batch create');
  }
}

export async function bulk(t) {
  const { page } = t;
  await t.api.put('/queues/bulk', { paused: true });
  await batch(t, Array.from({ length: 1050 }, (_, n) => ({ url: `${t.target}/ok`, queue: 'bulk', payload: { n } })));
  const calls = [];
  const record = (r) => {
    if (r.url().endsWith('/v1/jobs/bulk')) calls.push(r.postDataJSON());
  };
  page.on('request', record);
  try {
    await page.goto(`${t.url}/ui/#/jobs?status=pending&queue=bulk`);
    const cancelAll = page.getByRole('button', { name: 'Cancel all 1,050 pending jobs in bulk' });
    await cancelAll.click();
    const dialog = page.getByRole('dialog');
    eq(await dialog.getByRole('heading').innerText(), 'Cancel 1,050 pending jobs in bulk?', 'the dialog names the count');
    await t.shot('bulk-confirm');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    eq((await t.api.queue('bulk')).counts.pending, 1050, 'declining changes nothing');
    eq(calls.length, 0, 'nor asks the server');

    await bulkRun(t, 'Cancel all 1,050 pending jobs in bulk', 'Cancel 1,050 jobs',
      'Cancelled 1,050 pending jobs in bulk; 0 skipped.');
    const bar = page.locator('.bulk progress');
    eq([await bar.getAttribute('value'), await bar.getAttribute('max')], ['1050', '1050'], 'the progress bar is full');
    eq(calls.length, 2, 'two calls: at most 1,000 jobs each');
    eq(calls[0], { action: 'cancel', filter: { status: 'pending', queue: 'bulk' } }, 'the first call: the filter');
    ok(calls[1].cursor && calls[1].action === 'cancel', 'the second goes on from the cursor');
    let q = await t.api.queue('bulk');
    eq([q.counts.pending, q.counts.cancelled], [0, 1050], 'cancelled on the server');
    await t.shot('bulk-done');

    await page.goto(`${t.url}/ui/#/jobs?status=cancelled&queue=bulk`);
    const one = await page.locator('tbody tr[data-job]').first().getAttribute('data-job');
    await bulkRun(t, 'Delete all 1,050 cancelled jobs in bulk', 'Delete 1,050 jobs',
      'Deleted 1,050 cancelled jobs in bulk; 0 skipped.');
    q = await t.api.queue('bulk');
    eq(q.counts.cancelled, 0, 'deleted on the server');
    eq((await t.api.call('GET', `/jobs/${one}`)).status, 404, 'a deleted job is gone');
    await page.getByText('No jobs match.').waitFor();
  } finally {
    page.off('request', record);
  }
}

export async function bulkRetryApprove(t) {
  const { page } = t;
  const failed = [];
  for (let n = 0; n < 3; n++) failed.push(await t.api.create({ url: `${t.target}/fail`, queue: 'bulkfail', max_attempts: 1 }));
  for (const j of failed) await t.api.waitStatus(j.id, 'failed');
  await t.api.put('/queues/bulkfail', { paused: true });   // so that retried jobs stay pending
  await page.goto(`${t.url}/ui/#/jobs?status=failed&queue=bulkfail`);
  await bulkRun(t, 'Retry all 3 failed jobs in bulkfail', 'Retry 3 jobs', 'Retried 3 failed jobs in bulkfail; 0 skipped.');
  const after = await Promise.all(failed.map((j) => t.api.job(j.id)));
  eq(after.map((j) => [j.status, j.attempts]), [['pending', 0], ['pending', 0], ['pending', 0]], 'retried on the server');

  await t.api.put('/queues/bulkok', { paused: true });
  const waiting = [];
  for (let n = 0; n < 2; n++) waiting.push(await t.api.create({ url: `${t.target}/ok`, queue: 'bulkok', requires_approval: true }));
  await page.evaluate(() => sessionStorage.setItem('dq.approvedBy', 'Bulk Bob'));
  await page.goto(`${t.url}/ui/#/jobs?status=awaiting_approval&queue=bulkok`);
  await bulkRun(t, 'Approve all 2 awaiting approval jobs in bulkok', 'Approve 2 jobs',
    'Approved 2 awaiting approval jobs in bulkok; 0 skipped.');
  const approved = await Promise.all(waiting.map((j) => t.api.job(j.id)));
  eq(approved.map((j) => [j.status, j.approved_by]), [['pending', 'Bulk Bob'], ['pending', 'Bulk Bob']],
    'approved on the server, by the name given');
  // No bulk action without a status; with one that allows none, no button.
  await page.goto(`${t.url}/ui/#/jobs?queue=bulkok`);
  await page.getByText('Choose a status to act on every matching job at once.').waitFor();
  await page.goto(`${t.url}/ui/#/jobs?status=active&queue=bulkok`);
  await page.locator('.results .count').waitFor();
  eq(await page.locator('.bulk button').count(), 0, 'nothing to do on active jobs');
}

export async function deleteJob(t) {
  const { page } = t;
  const j = await t.api.create({ url: `${t.target}/ok`, queue: 'console' });
  await t.api.waitStatus(j.id, 'completed');
  await page.goto(`${t.url}/ui/#/jobs/${t.jobs.sent.id}`);
  await page.locator('dd[data-field="status"]').waitFor();
  eq(await page.locator('[data-action="delete"]').count(), 0, 'no Delete while a job is not finished');
  await page.goto(`${t.url}/ui/#/jobs/${j.id}`);
  await page.getByRole('button', { name: `Delete ${j.id}` }).click();
  const dialog = page.getByRole('dialog');
  ok((await dialog.innerText()).includes('It is completed.'), 'the dialog says what goes');
  await dialog.getByRole('button', { name: 'Delete job' }).click();
  await until(() => page.url().endsWith('#/jobs'), 'back to the jobs list');
  await notice(t, `Deleted ${j.id}.`);
  eq((await t.api.call('GET', `/jobs/${j.id}`)).status, 404, 'deleted on the server');
}
