<?php
/*
 * A receiver of dq's deliveries (and callbacks) in plain PHP (7.4+, no
 * extension): verifies both signatures dq sends, refuses stale timestamps,
 * and handles each message once however often it arrives.  Put it where
 * your web server runs PHP (the URL of your jobs), or try it with
 *
 *   DQ_SIGNING_SECRET=whsec_... php -S 127.0.0.1:8000 receiver.php
 *
 * DQ_SIGNING_SECRET  the account's signing secret as `dqctl account add`
 *                    printed it (whsec_...), or, for an account made with
 *                    --sign-with-api-key, its API key (dq_...)
 * DQ_SEEN_DIR        where the ids of handled messages are kept
 *                    (default: dq-seen in the system's temporary directory)
 * DQ_EVENTS_FILE     handle() below appends each message here as a JSON line
 *                    (default: the error log); replace handle() with your work
 * (PHP-FPM clears the environment unless its pool says clear_env = no; or
 * write the values in here.)
 *
 * Answers: 200 handled (or a duplicate), 400 not dq's headers, 401 a
 * signature that does not match or a timestamp more than 5 minutes away,
 * 500 handle() failed (dq will try again).
 */

const DQ_TOLERANCE_S = 300;

function dq_answer(int $status, array $doc): void
{
    http_response_code($status);
    header('Content-Type: application/json');
    echo json_encode($doc), "\n";
}

/** The Standard Webhooks secret: the signing secret itself, or for an
 * account that signs with its API key, whsec_ + base64 of the key. */
function dq_webhook_secret(string $secret): string
{
    return strpos($secret, 'whsec_') === 0 ? $secret : 'whsec_' . base64_encode($secret);
}

/** null when the message is dq's and fresh, else [status, why not]. */
function dq_verify(string $secret, array $h, string $body): ?array
{
    foreach (['X_DISPATCHQ_SIGNATURE', 'WEBHOOK_ID', 'WEBHOOK_TIMESTAMP', 'WEBHOOK_SIGNATURE'] as $name) {
        if (($h[$name] ?? '') === '') {
            return [400, "missing header $name"];
        }
    }
    // X-DispatchQ-Signature: HMAC-SHA256 of the body, keyed with the secret as printed.
    if (!hash_equals('sha256=' . hash_hmac('sha256', $body, $secret), $h['X_DISPATCHQ_SIGNATURE'])) {
        return [401, 'X-DispatchQ-Signature does not match'];
    }
    // Standard Webhooks: HMAC-SHA256 of "id.timestamp.body".
    $ts = $h['WEBHOOK_TIMESTAMP'];
    if (!ctype_digit($ts) || abs(time() - (int) $ts) > DQ_TOLERANCE_S) {
        return [401, 'webhook-timestamp is not within 5 minutes of now'];
    }
    $key = base64_decode(substr(dq_webhook_secret($secret), strlen('whsec_')));
    $want = 'v1,' . base64_encode(hash_hmac('sha256', $h['WEBHOOK_ID'] . '.' . $ts . '.' . $body, $key, true));
    foreach (explode(' ', $h['WEBHOOK_SIGNATURE']) as $sig) {
        if (hash_equals($want, $sig)) {
            return null;
        }
    }
    return [401, 'webhook-signature does not match'];
}

/** The path of a new claim on this webhook-id, or null for a duplicate (a
 * file per id: it holds across requests, processes and restarts). */
function dq_claim(string $dir, string $id): ?string
{
    if (!is_dir($dir) && !@mkdir($dir, 0700, true) && !is_dir($dir)) {
        throw new RuntimeException("cannot create $dir");
    }
    $path = $dir . '/' . hash('sha256', $id);
    $f = @fopen($path, 'x');
    if ($f === false) {
        if (file_exists($path)) {
            return null;
        }
        throw new RuntimeException("cannot write $path");
    }
    fclose($f);
    return $path;
}

/** Your work goes here: $event has id, job_id, attempt, method, path, body. */
function handle(array $event): void
{
    $line = json_encode($event, JSON_UNESCAPED_SLASHES) . "\n";
    $file = getenv('DQ_EVENTS_FILE');
    if ($file) {
        if (file_put_contents($file, $line, FILE_APPEND | LOCK_EX) === false) {
            throw new RuntimeException("cannot write $file");
        }
    } else {
        error_log(rtrim($line));
    }
}

function dq_receive(): void
{
    $secret = (string) getenv('DQ_SIGNING_SECRET');
    if ($secret === '') {
        dq_answer(500, ['error' => "set DQ_SIGNING_SECRET to the account's signing secret (or its API key)"]);
        return;
    }
    $h = [];
    foreach ($_SERVER as $k => $v) {
        if (strpos($k, 'HTTP_') === 0) {
            $h[substr($k, 5)] = (string) $v;
        }
    }
    $body = (string) file_get_contents('php://input');
    $bad = dq_verify($secret, $h, $body);
    if ($bad !== null) {
        dq_answer($bad[0], ['error' => $bad[1]]);
        return;
    }
    $seen = dq_claim(getenv('DQ_SEEN_DIR') ?: sys_get_temp_dir() . '/dq-seen', $h['WEBHOOK_ID']);
    if ($seen === null) {
        dq_answer(200, ['ok' => true, 'duplicate' => true]);
        return;
    }
    try {
        handle(['id' => $h['WEBHOOK_ID'], 'job_id' => $h['X_DISPATCHQ_JOB_ID'] ?? null,
            'attempt' => $h['X_DISPATCHQ_ATTEMPT'] ?? null, 'method' => $_SERVER['REQUEST_METHOD'],
            'path' => $_SERVER['REQUEST_URI'], 'body' => $body === '' ? null : json_decode($body, true)]);
    } catch (Throwable $e) {
        unlink($seen);      // not handled: let dq deliver it again
        dq_answer(500, ['error' => $e->getMessage()]);
        return;
    }
    dq_answer(200, ['ok' => true]);
}

dq_receive();
