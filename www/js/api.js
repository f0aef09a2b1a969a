// The console's only way to the server: the public API under /v1 on the same
// origin, with the pasted key as a bearer token. Every failure becomes an
// ApiError carrying the API's code, message and request id, so views can say
// what went wrong in words.
import { apiKey } from './session.js';

export class ApiError extends Error {
  constructor(status, code, message, requestId, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId || '';
    this.details = Array.isArray(details) ? details : [];
  }
}

// api('GET', '/jobs?status=failed') → parsed JSON body; throws ApiError.
// opts.signal aborts the request when the view that asked has gone away.
export async function api(method, path, body, opts = {}) {
  const headers = { Authorization: `Bearer ${opts.key || apiKey()}` };
  const init = { method, headers, cache: 'no-store', credentials: 'omit', signal: opts.signal };
  if (body !== undefined && body !== null) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(`/v1${path}`, init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network_error', 'the dq server could not be reached', '');
  }
  const data = await readJson(res);
  if (res.ok) return data;
  const err = (data && data.error) || {};
  throw new ApiError(res.status, err.code || `http_${res.status}`,
    err.message || res.statusText || 'no message',
    err.request_id || res.headers.get('X-Request-Id'), err.details);
}

async function readJson(res) {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;   // not JSON (a proxy's error page): the status still speaks
  }
}

// A path segment from API data (ids, queue names) made safe for a URL.
export const seg = encodeURIComponent;

export function isAbort(e) {
  return e && e.name === 'AbortError';
}
