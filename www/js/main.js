// The console's entry point: hash routes (#/overview, #/approvals, #/jobs,
// #/jobs/<id>, #/send, #/schedules, #/schedules/<id> or new, #/queues,
// #/topics, #/topics/<name>/edit or new) to views, one view at a time. Leaving a view aborts
// its requests and timers through the AbortSignal it was given.
import { h, fill } from './dom.js';
import { keyForm } from './keyform.js';
import { clearNotice, notify } from './notice.js';
import { apiKey, setApiKey } from './session.js';
import approvals from './views/approvals.js';
import job from './views/job.js';
import jobs from './views/jobs.js';
import overview from './views/overview.js';
import queues from './views/queues.js';
import schedule from './views/schedule.js';
import schedules from './views/schedules.js';
import send from './views/send.js';
import topics, { topicEditor } from './views/topics.js';

const ROUTES = [
  { re: /^\/overview$/, nav: 'overview', title: 'Overview', view: overview },
  { re: /^\/approvals$/, nav: 'approvals', title: 'Approvals', view: approvals },
  { re: /^\/jobs$/, nav: 'jobs', title: 'Jobs', view: jobs },
  { re: /^\/jobs\/([A-Za-z0-9_]{1,64})$/, nav: 'jobs', title: 'Job', view: job },
  { re: /^\/send$/, nav: 'send', title: 'Send a job', view: send },
  { re: /^\/schedules$/, nav: 'schedules', title: 'Schedules', view: schedules },
  { re: /^\/schedules\/new$/, nav: 'schedules', title: 'New schedule', view: schedule },
  { re: /^\/schedules\/(sch_[A-Za-z0-9]{1,64})$/, nav: 'schedules', title: 'Edit schedule', view: schedule },
  { re: /^\/queues$/, nav: 'queues', title: 'Queues', view: queues },
  { re: /^\/topics$/, nav: 'topics', title: 'Topics', view: topics },
  { re: /^\/topics\/new$/, nav: 'topics', title: 'New topic', view: topicEditor },
  { re: /^\/topics\/([^/]{1,200})\/edit$/, nav: 'topics', title: 'Edit topic', view: topicEditor },
];

let running = null;   // the AbortController of the view on screen

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/approvals';
  const q = raw.indexOf('?');
  return q < 0 ? { path: raw, query: '' } : { path: raw.slice(0, q), query: raw.slice(q + 1) };
}

function show(moveFocus) {
  running?.abort();
  running = new AbortController();
  const main = document.getElementById('main');
  document.getElementById('session').hidden = !apiKey();
  if (!apiKey()) {
    markNav(null);
    keyForm(main, () => show(true));
    return;
  }
  const { path, query } = parseHash();
  const route = ROUTES.find((r) => r.re.test(path));
  markNav(route && route.nav);
  if (!route) {
    document.title = 'Not found · dq console';
    fill(main, h('h1', { tabindex: -1, text: 'No such page' }),
      h('p', {}, 'Try the ', h('a', { href: '#/approvals', text: 'approvals inbox' }), '.'));
  } else {
    document.title = `${route.title} · dq console`;
    route.view(main, { params: route.re.exec(path).slice(1), query: new URLSearchParams(query),
      signal: running.signal });
  }
  if (moveFocus) main.querySelector('h1')?.focus();
}

function markNav(name) {
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

window.addEventListener('hashchange', () => {
  clearNotice();
  show(true);
});
document.getElementById('forget-key').addEventListener('click', () => {
  setApiKey('');
  show(true);
  notify('The key is forgotten.');
});
show(false);
