// Scenario steps about jobs: the key, the approvals inbox, approve, cancel,
// XSS rendered as text, retry, the jobs list, and API errors. Each takes the
// shared context t (see console.mjs) and throws on the first failed check.
import { readFileSync } from 'node:fs';
import { eq, ok, until } from './tap.mjs';

export const XSS = '<img src=x onerror=window.__xss=1>';

const statusOf = (t) => t.page.locator('dd[data-field="status"]').innerText();
const noticeText = (t) => t.page.locator('#notice').innerText();

export async function served(t) {
  const index = await fetch(`${t.url}/ui/`);
  eq(index.status, 200, 'GET /ui/');
  ok(index.headers.get('content-type').startsWith('text/html'), 'index is text/html');
  const csp = index.headers.get('content-security-policy') || '';
  ok(csp.includes("script-src 'self'") && csp.includes("connect-src 'self'"), `CSP: ${csp}`);
  const html = await index.text();
  ok(!/<script(?![^>]*\bsrc=)[^>]*>/i.test(html), 'no inline script in index.html');
  ok(!/\son[a-z]+\s*=/i.test(html), 'no inline event handler in index.html');
  const js = await fetch(`${t.url}/ui/js/main.js`);
  eq(js.status, 200, 'GET main.js');
  ok(js.headers.get('content-type').startsWith('text/javascript'), 'modules are served as JavaScript');
  eq((await fetch(`${t.url}/ui`, { redirect: 'manual' })).status, 301, '/ui redirects to /ui/');
}

export async function wrongKey(t) {
  const { page } = t;
  await page.goto(`${t.url}/ui/`);
  await page.getByRole('heading', { name: 'Sign in with an API key' }).waitFor();
  await page.getByLabel('API key', { exact: true }).fill(`dq_${'x'.repeat(32)}`);
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/v1/')),
    page.getByRole('button', { name: 'Use this key' }).click(),
  ]);
  eq(resp.status(), 401, 'a wrong key is refused');
  const alert = page.getByRole('alert');
  await alert.waitFor();
  const text = await alert.innerText();
  ok(text.includes('401 unauthorized') && text.includes('not accepted'), `error in words: ${text}`);
  ok(text.includes(resp.headers()['x-request-id']), `request id shown: ${text}`);
  eq(await page.evaluate(() => sessionStorage.length), 0, 'a refused key is not kept');
  await t.shot('key-error');
}

export async function pasteKey(t) {
  const { page } = t;
  const input = page.getByLabel('API key', { exact: true });
  await input.fill('');
  await input.focus();
  await page.keyboard.type(t.key);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Approvals', level: 1 }).waitFor();
  eq(await page.evaluate(() => sessionStorage.getItem('dq.apiKey')), t.key, 'key in sessionStorage');
  eq(await page.evaluate(() => localStorage.length), 0, 'nothing in localStorage');
  eq((await page.context().cookies()).length, 0, 'no cookies');
  ok(!page.url().includes(t.key), 'the key is not in the URL');
}

export async function inbox(t) {
  const { page } = t;
  // Created while the inbox is open: live refresh must bring them in.
  t.jobs.approve = await t.api.create({ url: `${t.target}/ok`, method: 'PUT', queue: 'console',
    requires_approval: true, headers: { 'X-Tenant': 'acme' }, payload: { order: 42 } });
  t.jobs.cancel = await t.api.create({ url: `${t.target}/ok`, queue: 'console',
    requires_approval: true, payload: { order: 43 } });
  t.jobs.xss = await t.api.create({ url: `${t.target}/xss`, queue: 'console',
    requires_approval: true, headers: { 'X-Note': XSS }, payload: { note: XSS } });
  const cards = page.locator('.inbox article[data-job]');
  await until(async () => (await cards.count()) === 3, 'three cards in the inbox');
  eq(await cards.evaluateAll((els) => els.map((e) => e.dataset.job)),
    [t.jobs.approve.id, t.jobs.cancel.id, t.jobs.xss.id], 'oldest first');
  const text = await page.locator(`article[data-job="${t.jobs.approve.id}"]`).innerText();
  for (const want of ['PUT', `${t.target}/ok`, 'X-Tenant', 'acme', '"order": 42', 'console']) {
    ok(text.includes(want), `card shows ${want}: ${text}`);
  }
  await page.getByText('3 jobs are waiting.').waitFor();
  await t.shot('approvals');
}

export async function approve(t) {
  const { page } = t;
  const id = t.jobs.approve.id;
  await page.getByLabel('Approved by (optional)').fill('Ada Lovelace');
  const card = page.locator(`article[data-job="${id}"]`);
  await card.getByRole('button', { name: `Approve ${id}` }).click();
  await card.waitFor({ state: 'detached' });
  ok((await noticeText(t)).includes(`Approved ${id}`), 'the notice says approved');
  await page.goto(`${t.url}/ui/#/jobs/${id}`);
  await until(async () => (await statusOf(t)).includes('completed'), 'the detail to show completed');
  eq(await page.locator('dd[data-field="approved_by"]').innerText(), 'Ada Lovelace', 'approved_by shown');
  const attempt = await page.locator('.timeline li').first().innerText();
  ok(attempt.includes('HTTP 200') && attempt.includes('"ok": true'), `attempt shown: ${attempt}`);
  const j = await t.api.job(id);
  eq([j.status, j.approved_by], ['completed', 'Ada Lovelace'], 'on the server');
  await t.shot('job');
}

export async function cancel(t) {
  const { page } = t;
  const id = t.jobs.cancel.id;
  await page.goto(`${t.url}/ui/#/approvals`);
  const card = page.locator(`article[data-job="${id}"]`);
  await card.getByRole('button', { name: `Cancel job ${id}` }).click();
  await card.waitFor({ state: 'detached' });
  ok((await noticeText(t)).includes(`Cancelled ${id}`), 'the notice says cancelled');
  eq((await t.api.job(id)).status, 'cancelled', 'on the server');
}

// The CSP alone would stop the handler from running, so the checks that
// matter are that the text is visible as text and no <img> was created.
async function renderedAsText(t, where) {
  const { page } = t;
  await page.getByText(XSS).first().waitFor();
  eq(await page.locator('main img, #notice img').count(), 0, `no <img> created in ${where}`);
  eq(await page.evaluate(() => typeof window.__xss), 'undefined', `no script ran in ${where}`);
}

export async function xss(t) {
  const { page } = t;
  const id = t.jobs.xss.id;
  const card = page.locator(`article[data-job="${id}"]`);
  await page.goto(`${t.url}/ui/#/approvals`);
  await card.waitFor();
  ok((await card.locator('pre.data').innerText()).includes(XSS), 'payload shown as text');
  ok((await card.locator('table.headers').innerText()).includes(XSS), 'header shown as text');
  await renderedAsText(t, 'the inbox');
  await t.shot('approvals-xss');
  await card.getByRole('button', { name: `Approve ${id}` }).click();
  await card.waitFor({ state: 'detached' });
  await page.goto(`${t.url}/ui/#/jobs/${id}`);
  await until(async () => (await statusOf(t)).includes('completed'), 'the XSS job to complete');
  await until(async () => (await page.locator('.timeline').innerText()).includes(XSS),
    'the response body in the attempts timeline');
  eq(await page.locator('dd[data-field="response_body"]').innerText(), XSS, 'response body as text');
  eq(await page.locator('dd[data-field="payload"]').innerText(),
    JSON.stringify({ note: XSS }, null, 2), 'payload as indented JSON text');
  await renderedAsText(t, 'the job detail');
  await t.shot('job-xss');
}

export async function retry(t) {
  const { page } = t;
  const j = await t.api.create({ url: `${t.target}/fail-once`, max_attempts: 1, queue: 'console' });
  await t.api.waitStatus(j.id, 'failed');
  await page.goto(`${t.url}/ui/#/jobs`);
  await page.getByLabel('Status', { exact: true }).selectOption('failed');
  await page.getByRole('button', { name: 'Show jobs' }).click();
  await until(() => page.url().includes('status=failed'), 'the filter in the address');
  await page.getByRole('link', { name: j.id }).waitFor();
  // the live refresh may be redrawing the table: wait for it to settle
  await until(async () => (await page.locator('tbody tr').count()) === 1,
    'only the failed job listed');
  await t.shot('jobs-failed');
  await page.getByRole('link', { name: j.id }).click();
  await until(async () => (await statusOf(t)).includes('failed'), 'the detail to show failed');
  await page.getByRole('button', { name: `Retry ${j.id}` }).click();
  await until(async () => (await statusOf(t)).includes('completed'), 'the retried job to complete');
  const items = page.locator('.timeline li');
  await until(async () => (await items.count()) === 2, 'two attempts in the timeline');
  ok((await items.nth(0).innerText()).includes('HTTP 500'), 'first attempt: 500');
  ok((await items.nth(1).innerText()).includes('HTTP 200'), 'second attempt: 200');
  await t.shot('job-retried');
}

export async function jobsList(t) {
  const { page } = t;
  // Pending jobs that stay put: their queue is paused.
  await t.api.put('/queues/many', { paused: true });
  const batch = Array.from({ length: 30 },
    (_, n) => ({ url: `${t.target}/ok`, queue: 'many', payload: { n } }));
  eq((await t.api.call('POST', '/jobs/batch', { jobs: batch })).status, 200, 'batch create');
  await page.goto(`${t.url}/ui/#/jobs?queue=many`);
  const count = page.locator('.results .count');
  const rows = page.locator('tbody tr');
  const counted = (text) => until(async () => (await count.innerText()).startsWith(text), text);
  await counted('Jobs 1–25 of 30');
  eq(await rows.count(), 25, 'first page');
  await page.getByRole('button', { name: 'Next' }).click();
  await counted('Jobs 26–30 of 30');
  eq(await rows.count(), 5, 'second page');
  ok(await page.getByRole('button', { name: 'Next' }).isDisabled(), 'no page after the last');
  await page.getByRole('button', { name: 'Previous' }).click();
  await counted('Jobs 1–25 of 30');
  const extra = await t.api.create({ url: `${t.target}/ok`, queue: 'many' });
  await counted('Jobs 1–25 of 31');
  eq(await rows.first().getAttribute('data-job'), extra.id, 'live refresh shows the new job first');
  await t.shot('jobs');
}

export async function apiError(t) {
  const { page } = t;
  const missing = `job_${'A'.repeat(16)}`;
  // The view refreshes itself and also asks for the job's attempts, so more
  // than one request about the job may fail: the id shown must be one of theirs.
  const seen = [];
  const record = (r) => {
    if (r.url().includes(`/v1/jobs/${missing}`)) seen.push(r);
  };
  page.on('response', record);
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith(`/v1/jobs/${missing}`)),
    page.goto(`${t.url}/ui/#/jobs/${missing}`),
  ]);
  eq(resp.status(), 404, 'the API answers 404');
  const alert = page.getByRole('alert');
  await alert.waitFor();
  const text = await alert.innerText();
  ok(text.includes('404 not_found') && text.includes('no such thing'), `error in words: ${text}`);
  const shown = await alert.locator('.request-id').innerText();
  page.off('response', record);
  ok(seen.some((r) => r.headers()['x-request-id'] === shown),
    `its request id ${shown} is one the API sent`);
  await t.shot('error');
}

// For the wrapper's sake, a check that the console source builds no markup.
export async function noMarkupSinks(t) {
  for (const file of t.sources) {
    const text = readFileSync(file, 'utf8').replace(/^\s*\/\/.*$/gm, '');
    ok(!/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/.test(text),
      `${file} uses a markup or code sink`);
  }
}
