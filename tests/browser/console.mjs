// The dq web console end to end, in headless Chromium against the real stack
// that test_console.py started (it passes DQ_URL, DQ_API_KEY, DQ_TARGET,
// DQ_OUT and DQ_CHROMIUM). Prints TAP: one point per step group below;
// screenshots of every view go to DQ_OUT.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, shot } from './browser.mjs';
import { dqClient } from './dqapi.mjs';
import * as admin from './steps_admin.mjs';
import * as jobs from './steps_jobs.mjs';
import { diag, runSteps } from './tap.mjs';

const STEPS = [
  ['the console is served at /ui/ as static modules under a strict CSP', jobs.served],
  ['the console source uses no HTML or code sinks', jobs.noMarkupSinks],
  ['a wrong key is refused, shown with its request id, and not kept', jobs.wrongKey],
  ['pasting the key opens the inbox; the key is only in sessionStorage', jobs.pasteKey],
  ['jobs created by the API appear in the inbox, oldest first, with what they send', jobs.inbox],
  ['approve from the inbox with a name, then watch the job complete', jobs.approve],
  ['cancel another job from the inbox', jobs.cancel],
  ['XSS in a payload, a header and a response body renders as text', jobs.xss],
  ['retry a failed job (500, max_attempts 1) found with the status filter', jobs.retry],
  ['jobs view: queue filter, cursor paging both ways, live refresh', jobs.jobsList],
  ['queues: pause, limits (and a refused one), purge behind a confirmation', admin.queues],
  ['schedules: cron in words with pause and delete, or the 404 in words', admin.schedules],
  ['an API error is shown in words with its request id', jobs.apiError],
  ['keyboard: Shift+Tab to the nav, Enter follows, visible focus, Enter submits', admin.keyboard],
  ['1280 px: no horizontal scroll in any view', admin.wideViews],
  ['390 px (phone): no horizontal scroll in any view', admin.phone],
  ['cron expressions in words', admin.cron],
  ['forget key returns to the key form and clears the storage', admin.forget],
  ['no script errors, no key in any URL, no request leaves this server', admin.hygiene],
];

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run this through test_console.py)`);
  return v;
}

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : []));
}

async function main() {
  const out = env('DQ_OUT');
  const browser = await launch(env('DQ_CHROMIUM'), out);
  try {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.setDefaultTimeout(15000);
    const t = {
      page, url: env('DQ_URL'), key: env('DQ_API_KEY'), target: env('DQ_TARGET'), out,
      api: dqClient(env('DQ_URL'), env('DQ_API_KEY')), jobs: {}, pageErrors: [], requestUrls: [],
      sources: sources(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'www', 'js')),
      shot: (name) => shot(page, out, name),
    };
    page.on('pageerror', (e) => t.pageErrors.push(e.message));
    page.on('request', (r) => t.requestUrls.push(r.url()));
    return await runSteps(STEPS, t, (n) => shot(page, out, `FAILED-step${n}`));
  } finally {
    await browser.close();
  }
}

try {
  process.exitCode = (await main()) ? 1 : 0;
} catch (e) {
  console.log('Bail out! the browser scenario could not run');
  diag(e.stack || String(e));
  process.exitCode = 1;
}
