<?php
/*
 * dq's PHP client: the whole job API (jobs, batch, bulk actions, schedules,
 * queues, topics, activity) in one file, for PHP 7.4 or later with the curl
 * extension; no framework.
 *
 *   require 'DqClient.php';
 *   $dq = new Dq\Client('https://jobs.example.com', getenv('DQ_API_KEY'));
 *   $job = $dq->createJob(['url' => 'https://example.com/hook', 'delay' => '10m']);
 *
 * Every method returns the decoded JSON answer as arrays, or throws
 * Dq\ApiException (dq answered an error: its status, code, message, details
 * and request id) or Dq\TransportException (no answer). 429 and 503 answers
 * (dq did nothing) are retried after their Retry-After; connection failures
 * are retried when the request is safe to repeat. createJob() sends an
 * Idempotency-Key, so repeating it never makes two jobs.
 *
 * The API is described in openapi.yaml (served at /v1/openapi.json).
 */

namespace Dq;

/** Anything this client throws. */
class DqException extends \RuntimeException
{
}

/** dq answered with an error (or something that is not dq's JSON). */
class ApiException extends DqException
{
    /** @var int */
    private $status;
    /** @var string */
    private $errorCode;
    /** @var array */
    private $details;
    /** @var string|null */
    private $requestId;
    /** @var float|null */
    private $retryAfter;
    /** @var string */
    private $body;

    public function __construct(int $status, string $errorCode, string $message, array $details,
        ?string $requestId, ?float $retryAfter, string $body)
    {
        parent::__construct($message, $status);
        $this->status = $status;
        $this->errorCode = $errorCode;
        $this->details = $details;
        $this->requestId = $requestId;
        $this->retryAfter = $retryAfter;
        $this->body = $body;
    }

    /** The HTTP status (also getCode()). */
    public function getStatus(): int
    {
        return $this->status;
    }

    /** dq's error code: validation_error, not_found, rate_limited, ... */
    public function getErrorCode(): string
    {
        return $this->errorCode;
    }

    /** Which fields were wrong: a list of ['field' => ..., 'message' => ...]. */
    public function getDetails(): array
    {
        return $this->details;
    }

    /** The request id, as in dq's log. */
    public function getRequestId(): ?string
    {
        return $this->requestId;
    }

    /** Seconds the answer asked to wait (Retry-After), if any. */
    public function getRetryAfter(): ?float
    {
        return $this->retryAfter;
    }

    /** The answer's body as received. */
    public function getBody(): string
    {
        return $this->body;
    }
}

/** No answer: connection refused, timeout, TLS failure (curl's error). */
class TransportException extends DqException
{
}

final class Client
{
    public const VERSION = '0.1.0';

    /** @var string */
    private $baseUrl;
    /** @var string */
    private $apiKey;
    /** @var array */
    private $options;
    /** @var resource|\CurlHandle|null */
    private $curl;
    /** @var array|null */
    private $last;

    /**
     * $baseUrl: where dq answers, e.g. https://jobs.example.com.
     * $options:
     *   timeout          seconds for one request (30)
     *   connect_timeout  seconds to connect (5)
     *   max_retries      retries of a 429, a 503 or a safe connection failure (3)
     *   max_retry_wait   longest wait between tries, in seconds (30)
     *   auto_idempotency_key  createJob() makes an Idempotency-Key when given none (true)
     *   on_retry         callable(int $retry, ?int $status, float $wait, string $method, string $path)
     *   curl             more CURLOPT_* => value, e.g. CA settings
     */
    public function __construct(string $baseUrl, string $apiKey, array $options = [])
    {
        if (!extension_loaded('curl')) {
            throw new DqException('the curl extension is required (Debian: php-curl)');
        }
        $this->baseUrl = rtrim($baseUrl, '/');
        $this->apiKey = $apiKey;
        $this->options = $options + [
            'timeout' => 30.0,
            'connect_timeout' => 5.0,
            'max_retries' => 3,
            'max_retry_wait' => 30.0,
            'auto_idempotency_key' => true,
            'on_retry' => null,
            'curl' => [],
        ];
    }

    // --- jobs -----------------------------------------------------------------

    /**
     * Create a job; returns it (201, or 200 with 'deduplicated' => true for a
     * repeated create). Use (object) [] for an empty JSON object. With
     * 'topic' instead of 'url', one job per endpoint of the topic: returns
     * ['topic' => name, 'jobs' => [...]].
     */
    public function createJob(array $job, ?string $idempotencyKey = null): array
    {
        if ($idempotencyKey === null && $this->options['auto_idempotency_key']) {
            $idempotencyKey = 'dq-php-' . bin2hex(random_bytes(16));
        }
        $headers = $idempotencyKey === null ? [] : ['Idempotency-Key' => $idempotencyKey];
        return $this->request('POST', '/v1/jobs', null, $job, $headers);
    }

    /**
     * Create up to 100 jobs in one call; one result per job, in order:
     * ['status' => 201|200, 'job' => [...]] or ['status' => 400, 'error' => [...]].
     */
    public function createJobs(array $jobs): array
    {
        return $this->request('POST', '/v1/jobs/batch', null, ['jobs' => array_values($jobs)])['data'];
    }

    public function getJob(string $id): array
    {
        return $this->request('GET', '/v1/jobs/' . rawurlencode($id));
    }

    /**
     * One page: ['data' => [...], 'total' => n, 'limit' => n, 'offset' => n,
     * 'next_cursor' => string|null]. $params: status, queue, schedule_id,
     * limit, offset, cursor.
     */
    public function listJobs(array $params = []): array
    {
        return $this->request('GET', '/v1/jobs', $params);
    }

    /**
     * Every job that matches the filters (status, queue, schedule_id), newest
     * first, fetched a page at a time by following next_cursor.
     */
    public function jobs(array $filters = [], int $pageSize = 100): \Generator
    {
        return $this->pages('/v1/jobs', $filters, $pageSize);
    }

    public function approveJob(string $id, ?string $approvedBy = null): array
    {
        $body = $approvedBy === null ? null : ['approved_by' => $approvedBy];
        return $this->request('POST', '/v1/jobs/' . rawurlencode($id) . '/approve', null, $body);
    }

    public function cancelJob(string $id): array
    {
        return $this->request('POST', '/v1/jobs/' . rawurlencode($id) . '/cancel');
    }

    public function retryJob(string $id): array
    {
        return $this->request('POST', '/v1/jobs/' . rawurlencode($id) . '/retry');
    }

    /** Delete a finished job (completed, failed, cancelled) with its attempts. */
    public function deleteJob(string $id): array
    {
        return $this->request('DELETE', '/v1/jobs/' . rawurlencode($id));
    }

    /**
     * One bulk call: $action retry, cancel, approve or delete on the jobs of
     * $filter (status, queue, schedule_id, created_after, created_before,
     * ids; at least one), at most 1000 of them. Returns ['matched',
     * 'changed', 'skipped', 'next_cursor']; call again with the cursor to go
     * on. Safe to repeat: jobs already changed are skipped or no longer match.
     */
    public function bulkJobs(string $action, array $filter, ?string $cursor = null,
        ?string $approvedBy = null): array
    {
        $body = ['action' => $action, 'filter' => $filter];
        if ($cursor !== null) {
            $body['cursor'] = $cursor;
        }
        if ($approvedBy !== null) {
            $body['approved_by'] = $approvedBy;
        }
        return $this->request('POST', '/v1/jobs/bulk', null, $body, [], true);
    }

    /**
     * Every job of the filter, following the cursors to the end; returns the
     * totals ['matched', 'changed', 'skipped', 'calls'].
     */
    public function bulk(string $action, array $filter, ?string $approvedBy = null): array
    {
        $total = ['matched' => 0, 'changed' => 0, 'skipped' => 0, 'calls' => 0];
        $cursor = null;
        do {
            $r = $this->bulkJobs($action, $filter, $cursor, $approvedBy);
            foreach (['matched', 'changed', 'skipped'] as $k) {
                $total[$k] += $r[$k];
            }
            $total['calls']++;
            $cursor = $r['next_cursor'];
        } while ($cursor !== null);
        return $total;
    }

    /** Every delivery attempt of a job, first to last. */
    public function jobAttempts(string $id): array
    {
        return $this->request('GET', '/v1/jobs/' . rawurlencode($id) . '/attempts')['data'];
    }

    // --- schedules --------------------------------------------------------------

    public function createSchedule(array $schedule): array
    {
        return $this->request('POST', '/v1/schedules', null, $schedule);
    }

    public function getSchedule(string $id): array
    {
        return $this->request('GET', '/v1/schedules/' . rawurlencode($id));
    }

    /** One page, as listJobs(); $params: limit, offset, cursor. */
    public function listSchedules(array $params = []): array
    {
        return $this->request('GET', '/v1/schedules', $params);
    }

    /** Every schedule, newest first. */
    public function schedules(int $pageSize = 100): \Generator
    {
        return $this->pages('/v1/schedules', [], $pageSize);
    }

    /** Replace a schedule's definition (the same body as a create). */
    public function replaceSchedule(string $id, array $schedule): array
    {
        return $this->request('PUT', '/v1/schedules/' . rawurlencode($id), null, $schedule);
    }

    public function deleteSchedule(string $id): array
    {
        return $this->request('DELETE', '/v1/schedules/' . rawurlencode($id));
    }

    public function pauseSchedule(string $id): array
    {
        return $this->request('POST', '/v1/schedules/' . rawurlencode($id) . '/pause');
    }

    public function resumeSchedule(string $id): array
    {
        return $this->request('POST', '/v1/schedules/' . rawurlencode($id) . '/resume');
    }

    // --- queues -----------------------------------------------------------------

    /** The queues that have jobs or settings, with their counts. */
    public function listQueues(): array
    {
        return $this->request('GET', '/v1/queues')['data'];
    }

    public function getQueue(string $name): array
    {
        return $this->request('GET', '/v1/queues/' . rawurlencode($name));
    }

    /** $settings: any of paused, ordered, concurrency, rate_per_second (null: unlimited). */
    public function updateQueue(string $name, array $settings): array
    {
        return $this->request('PUT', '/v1/queues/' . rawurlencode($name), null, $settings);
    }

    public function pauseQueue(string $name): array
    {
        return $this->request('POST', '/v1/queues/' . rawurlencode($name) . '/pause');
    }

    public function resumeQueue(string $name): array
    {
        return $this->request('POST', '/v1/queues/' . rawurlencode($name) . '/resume');
    }

    /** Cancel every waiting job of the queue; returns how many. */
    public function purgeQueue(string $name): int
    {
        return $this->request('POST', '/v1/queues/' . rawurlencode($name) . '/purge')['cancelled'];
    }

    // --- topics -----------------------------------------------------------------

    /**
     * Create or replace a topic: $endpoints is a list of ['url' => ...,
     * 'headers' => [...]] (1-100). Returns the topic.
     */
    public function putTopic(string $name, array $endpoints): array
    {
        return $this->request('PUT', '/v1/topics/' . rawurlencode($name), null,
            ['endpoints' => array_values($endpoints)]);
    }

    public function getTopic(string $name): array
    {
        return $this->request('GET', '/v1/topics/' . rawurlencode($name));
    }

    public function deleteTopic(string $name): array
    {
        return $this->request('DELETE', '/v1/topics/' . rawurlencode($name));
    }

    /** One page of topics, by name; $params: limit, offset, cursor. */
    public function listTopics(array $params = []): array
    {
        return $this->request('GET', '/v1/topics', $params);
    }

    /** Every topic, by name. */
    public function topics(int $pageSize = 100): \Generator
    {
        return $this->pages('/v1/topics', [], $pageSize);
    }

    // --- activity ---------------------------------------------------------------

    /**
     * The account's (or one queue's) activity: ['window', 'step_seconds',
     * 'series' => [['t', 'created', 'delivered', 'failed_attempts',
     * 'failed_jobs', 'lateness_p99_ms'], ...], 'now' => counts by status].
     * $window: 1h, 24h or 7d.
     */
    public function stats(string $window = '1h', ?string $queue = null): array
    {
        return $this->request('GET', '/v1/stats', ['window' => $window, 'queue' => $queue]);
    }

    // --- service ----------------------------------------------------------------

    /**
     * /healthz: ['status' => 'ok'|'degraded', 'store' => ..., 'dispatcher' =>
     * [...]]; a 503 that says what is wrong is returned too, not thrown.
     */
    public function health(): array
    {
        $answer = $this->send('GET', $this->baseUrl . '/healthz', null, []);
        if ($answer['status'] === 200 ||
            ($answer['status'] === 503 && isset(json_decode($answer['body'], true)['status']))) {
            return $this->decode($answer);
        }
        throw $this->error($answer);
    }

    // --- the HTTP layer ---------------------------------------------------------

    /**
     * One API call: the decoded answer, or an exception. $query: name =>
     * value (nulls left out); $body: an array or object sent as JSON, or
     * null for none; $headers: name => value; $repeatable: the request may
     * be sent again after a connection failure (GET, PUT, DELETE and a
     * create with an Idempotency-Key are anyway).
     */
    public function request(string $method, string $path, ?array $query = null, $body = null,
        array $headers = [], bool $repeatable = false): array
    {
        $url = $this->baseUrl . $path;
        $query = array_filter($query ?? [], function ($v) {
            return $v !== null;
        });
        if ($query) {
            $url .= '?' . http_build_query($query, '', '&', PHP_QUERY_RFC3986);
        }
        $json = null;
        if ($body !== null) {
            $json = json_encode($body, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
            if ($json === false) {
                throw new DqException('the request body cannot be encoded as JSON: ' . json_last_error_msg());
            }
        }
        $safe = $repeatable || in_array($method, ['GET', 'PUT', 'DELETE'], true) ||
            isset($headers['Idempotency-Key']);
        for ($try = 0;; $try++) {
            try {
                $answer = $this->send($method, $url, $json, $headers);
            } catch (TransportException $e) {
                // A request that never reached dq, or one that may be repeated.
                if ($try >= $this->options['max_retries'] || !($safe || $e->getCode() === CURLE_COULDNT_CONNECT)) {
                    throw $e;
                }
                $this->pause($try, null, $this->backoff($try), $method, $path);
                continue;
            }
            $status = $answer['status'];
            if ($status < 400) {
                return $this->decode($answer);
            }
            $error = $this->error($answer);
            if (($status === 429 || $status === 503) && $try < $this->options['max_retries']) {
                $wait = $error->getRetryAfter() ?? $this->backoff($try);
                $this->pause($try, $status, $wait, $method, $path);
                continue;
            }
            throw $error;
        }
    }

    /** The last answer's request id (X-Request-Id), for logs. */
    public function lastRequestId(): ?string
    {
        return $this->last['headers']['x-request-id'] ?? null;
    }

    /** The last answer's headers, lower-case names (RateLimit-Remaining, ...). */
    public function lastHeaders(): array
    {
        return $this->last['headers'] ?? [];
    }

    private function pages(string $path, array $filters, int $pageSize): \Generator
    {
        $params = $filters + ['limit' => $pageSize];
        do {
            $page = $this->request('GET', $path, $params);
            foreach ($page['data'] as $item) {
                yield $item;
            }
            // The cursor remembers the filters; the page size is sent again.
            $params = ['cursor' => $page['next_cursor'], 'limit' => $pageSize];
        } while ($page['next_cursor'] !== null);
    }

    private function send(string $method, string $url, ?string $json, array $headers): array
    {
        if ($this->curl === null) {
            $this->curl = curl_init();
        } else {
            curl_reset($this->curl);
        }
        $lines = ['Authorization: Bearer ' . $this->apiKey, 'Accept: application/json',
            'User-Agent: dq-php/' . self::VERSION, 'Expect:'];
        if ($json !== null) {
            $lines[] = 'Content-Type: application/json';
        }
        foreach ($headers as $name => $value) {
            $lines[] = $name . ': ' . $value;
        }
        $got = [];
        $opts = [
            CURLOPT_URL => $url,
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_HTTPHEADER => $lines,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_FOLLOWLOCATION => false,
            CURLOPT_TIMEOUT_MS => (int) ($this->options['timeout'] * 1000),
            CURLOPT_CONNECTTIMEOUT_MS => (int) ($this->options['connect_timeout'] * 1000),
            CURLOPT_HEADERFUNCTION => function ($ch, $line) use (&$got) {
                if (preg_match('#^HTTP/\S+ \d+#', $line)) {
                    $got = [];     // a new answer (after a 100 Continue, say)
                } elseif (strpos($line, ':') !== false) {
                    list($name, $value) = explode(':', $line, 2);
                    $got[strtolower(trim($name))] = trim($value);
                }
                return strlen($line);
            },
        ];
        if ($json !== null) {
            $opts[CURLOPT_POSTFIELDS] = $json;
        }
        curl_setopt_array($this->curl, $this->options['curl'] + $opts);
        $text = curl_exec($this->curl);
        if ($text === false) {
            throw new TransportException(sprintf('%s %s: %s', $method, $url, curl_error($this->curl)),
                curl_errno($this->curl));
        }
        $this->last = ['status' => curl_getinfo($this->curl, CURLINFO_RESPONSE_CODE),
            'headers' => $got, 'body' => $text];
        return $this->last;
    }

    private function decode(array $answer): array
    {
        $value = json_decode($answer['body'], true);
        if (!is_array($value)) {
            throw new ApiException($answer['status'], 'invalid_answer', 'the answer is not a JSON object',
                [], $answer['headers']['x-request-id'] ?? null, null, $answer['body']);
        }
        return $value;
    }

    private function error(array $answer): ApiException
    {
        $h = $answer['headers'];
        $err = json_decode($answer['body'], true)['error'] ?? null;
        if (!is_array($err)) {       // not dq's envelope: a proxy's error page, say
            $err = ['code' => 'http_' . $answer['status'],
                'message' => 'HTTP ' . $answer['status'] . ': ' . substr(trim(strip_tags($answer['body'])), 0, 200)];
        }
        return new ApiException($answer['status'], (string) ($err['code'] ?? 'unknown'),
            (string) ($err['message'] ?? ''), $err['details'] ?? [],
            $err['request_id'] ?? $h['x-request-id'] ?? null, $this->retryAfter($h['retry-after'] ?? null),
            $answer['body']);
    }

    /** Retry-After in seconds: a number, or an HTTP date. */
    private function retryAfter(?string $value): ?float
    {
        if ($value === null || $value === '') {
            return null;
        }
        if (ctype_digit($value)) {
            return (float) $value;
        }
        $t = strtotime($value);
        return $t === false ? null : max(0.0, (float) ($t - time()));
    }

    private function backoff(int $try): float
    {
        return 0.5 * (2 ** $try);
    }

    private function pause(int $try, ?int $status, float $wait, string $method, string $path): void
    {
        $wait = min($wait, (float) $this->options['max_retry_wait']);
        if ($this->options['on_retry'] !== null) {
            ($this->options['on_retry'])($try + 1, $status, $wait, $method, $path);
        }
        usleep((int) ($wait * 1e6));
    }
}
