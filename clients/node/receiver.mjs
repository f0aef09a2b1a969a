// A receiver of dq's deliveries (and callbacks) in Node: verifies the
// Standard Webhooks signature with the official `standardwebhooks` package
// (which also refuses timestamps more than 5 minutes away) and dq's
// X-DispatchQ-Signature, and handles each message once however often it
// arrives.
//
//   npm ci && DQ_SIGNING_SECRET=whsec_... node receiver.mjs [PORT]
//
// DQ_SIGNING_SECRET  the account's signing secret as `dqctl account add`
//                    printed it (whsec_...), or, for an account made with
//                    --sign-with-api-key, its API key (dq_...)
// DQ_SEEN_DIR        where the ids of handled messages are kept (./dq-seen)
// DQ_EVENTS_FILE     handle() below appends each message here as a JSON line
//                    (default: standard output); replace handle() with your work
//
// Answers: 200 handled (or a duplicate), 400 not dq's headers, 401 a
// signature that does not match or a stale timestamp, 500 handle() failed
// (dq will try again).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { appendFileSync, closeSync, mkdirSync, openSync, unlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

const SECRET = process.env.DQ_SIGNING_SECRET || '';
const SEEN_DIR = process.env.DQ_SEEN_DIR || 'dq-seen';
const EVENTS_FILE = process.env.DQ_EVENTS_FILE;

// The Standard Webhooks secret: the signing secret itself, or for an account
// that signs with its API key, whsec_ + base64 of the key.
const webhookSecret = SECRET.startsWith('whsec_') ? SECRET
	: 'whsec_' + Buffer.from(SECRET).toString('base64');

class Refused extends Error {
	constructor(status, message) {
		super(message);
		this.status = status;
	}
}

function verify(headers, body) {
	for (const h of ['x-dispatchq-signature', 'webhook-id', 'webhook-timestamp', 'webhook-signature']) {
		if (!headers[h]) {
			throw new Refused(400, `missing header ${h}`);
		}
	}
	// X-DispatchQ-Signature: HMAC-SHA256 of the body, keyed with the secret as printed.
	const want = Buffer.from('sha256=' + createHmac('sha256', SECRET).update(body).digest('hex'));
	const got = Buffer.from(headers['x-dispatchq-signature']);
	if (want.length !== got.length || !timingSafeEqual(want, got)) {
		throw new Refused(401, 'X-DispatchQ-Signature does not match');
	}
	try {
		new Webhook(webhookSecret).verify(body, headers);
	} catch (e) {
		if (e instanceof WebhookVerificationError) {
			throw new Refused(401, `webhook-signature: ${e.message}`);
		}
		throw e;
	}
}

// The path of a new claim on this webhook-id, or null for a duplicate (a
// file per id: it holds across restarts and processes).
function claim(id) {
	mkdirSync(SEEN_DIR, { recursive: true });
	const path = join(SEEN_DIR, createHash('sha256').update(id).digest('hex'));
	try {
		closeSync(openSync(path, 'wx', 0o600));
		return path;
	} catch (e) {
		if (e.code === 'EEXIST') {
			return null;
		}
		throw e;
	}
}

// Your work goes here: event has id, job_id, attempt, method, path, body.
function handle(event) {
	const line = JSON.stringify(event) + '\n';
	if (EVENTS_FILE) {
		appendFileSync(EVENTS_FILE, line);
	} else {
		process.stdout.write(line);
	}
}

function answer(res, status, doc) {
	const data = JSON.stringify(doc);
	res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
	res.end(data);
}

function receive(req, res, body) {
	try {
		verify(req.headers, body);
	} catch (e) {
		return answer(res, e.status || 500, { error: e.message });
	}
	const seen = claim(req.headers['webhook-id']);
	if (seen === null) {
		return answer(res, 200, { ok: true, duplicate: true });
	}
	try {
		handle({
			id: req.headers['webhook-id'], job_id: req.headers['x-dispatchq-job-id'],
			attempt: req.headers['x-dispatchq-attempt'], method: req.method, path: req.url,
			body: body.length ? JSON.parse(body) : null,
		});
	} catch (e) {
		unlinkSync(seen);		// not handled: let dq deliver it again
		return answer(res, 500, { error: e.message });
	}
	answer(res, 200, { ok: true });
}

if (!SECRET) {
	console.error("set DQ_SIGNING_SECRET to the account's signing secret (or its API key)");
	process.exit(1);
}
const port = Number(process.argv[2] || 8000);
createServer((req, res) => {
	const chunks = [];
	req.on('data', (c) => chunks.push(c));
	req.on('end', () => receive(req, res, Buffer.concat(chunks)));
}).listen(port, '127.0.0.1', () => console.error(`receiving on http://127.0.0.1:${port}/`));
