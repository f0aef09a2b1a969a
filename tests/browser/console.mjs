// The dq web console end to end, in headless Chromium against the real stack
// that test_console.py started (it passes DQ_URL, DQ_API_KEY, DQ_TARGET,
// DQ_CLOCK, DQ_OUT and DQ_CHROMIUM; DQ_STEPS=3,4,12 runs only those steps,
// while working on them). Prints TAP: one point per step group below; screenshots of every view go to DQ_OUT, and of the page as it was
// when a step failed, as FAILED-step<N>-1280.png.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, shot } from './browser.mjs';
import { dqClient } from './dqapi.mjs';
import * as admin from './steps_admin.mjs';
import * as config from './steps_config.mjs';
import * as jobs from './steps_jobs.mjs';
import * as ops from './steps_ops.mjs';
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
  ['overview: charts of GET /v1/stats per window and queue, totals, keys, table', ops.overview],
  ['send a job: JSON and headers checked first, every field, a delay, a run_at', ops.send],
  ['send a job to a topic: one job per endpoint', ops.sendTopic],
  ['bulk: cancel then delete 1,050 jobs through the cursor, with a confirmation and progress', ops.bulk],
  ['bulk: retry failed jobs and approve with a name', ops.bulkRetryApprove],
  ['a finished job can be deleted after a confirmation, an unfinished one cannot', ops.deleteJob],
  ['queues: pause, limits (and a refused one), purge behind a confirmation', admin.queues],
  ['queues: ordered delivery set and shown', config.ordered],
  ['topics: create, refuse a bad header and a bad URL, edit, delete', config.topics],
  ['schedule editor: the next five firings are the server\'s, across DST gaps and overlaps', config.dstAgainstServer],
  ['jobs of a schedule: the filter, and a bulk delete of them', config.scheduleJobs],
  ['schedule editor: cron checked and in words, create and edit', config.scheduleEditor],
  ['cron checked as the server does: the same refusals in the same words, the same next firing', config.cronAgainstServer],
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
      page, url: env('DQ_URL'), key: env('DQ_API_KEY'), target: env('DQ_TARGET'), clock: env('DQ_CLOCK'), out,
      api: dqClient(env('DQ_URL'), env('DQ_API_KEY')), jobs: {}, pageErrors: [], requestUrls: [], cspReports: [],
      sources: sources(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'www', 'js')),
      shot: (name) => shot(page, out, name),
    };
    page.on('pageerror', (e) => t.pageErrors.push(e.message));
    page.on('request', (r) => t.requestUrls.push(r.url()));
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) t.cspReports.push(m.text());
    });
    return await runSteps(STEPS, t, async (n) => {
      await shot(page, out, `FAILED-step${n}`);
      diag(`the page then: ${join(out, `FAILED-step${n}-${page.viewportSize().width}.png`)}`);
    }, process.env.DQ_STEPS ? process.env.DQ_STEPS.split(',').map(Number) : null);
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
