// The scenario's own view of the API, beside the browser: it creates the jobs
// a person would then see, and checks that what the console did really
// happened on the server.
import { until } from './tap.mjs';

export function dqClient(base, key) {
  async function call(method, path, body) {
    const headers = { Authorization: `Bearer ${key}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${base}/v1${path}`, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null,
      requestId: res.headers.get('x-request-id') };
  }

  async function expect(method, path, body, status) {
    const r = await call(method, path, body);
    if (r.status !== status) {
      throw new Error(`${method} ${path}: got ${r.status} ${JSON.stringify(r.json)}, want ${status}`);
    }
    return r.json;
  }

  return {
    call,
    create: (job) => expect('POST', '/jobs', job, 201),
    job: (id) => expect('GET', `/jobs/${id}`, undefined, 200),
    queue: (name) => expect('GET', `/queues/${name}`, undefined, 200),
    put: (path, body) => expect('PUT', path, body, 200),
    async waitStatus(id, status) {
      return until(async () => {
        const j = await expect('GET', `/jobs/${id}`, undefined, 200);
        return j.status === status && j;
      }, `job ${id} to be ${status}`);
    },
  };
}
