<?php
/*
 * The PHP client against the real stack, printing TAP; run by
 * test_php_client.py, which starts the stack and passes:
 *   DQ_URL, DQ_API_KEY, DQ_API_KEY2   the stack and two accounts' keys
 *   DQ_TARGET                         a target server's base URL
 *   DQ_LIMITED_URL, DQ_LIMITED_KEY    a second stack limited to 2 requests/s
 *   DQ_STUB_URL                       scripted answers (503, 429, then 201)
 *   DQ_CLOSED_URL                     a port nothing listens on
 */
require __DIR__ . '/../php/DqClient.php';

use Dq\ApiException;
use Dq\Client;
use Dq\TransportException;

$n = 0;
$failed = 0;

function check(bool $cond, string $what): void
{
    if (!$cond) {
        throw new Exception($what);
    }
}

function same($got, $want, string $what): void
{
    check($got === $want, sprintf('%s: got %s, want %s', $what, var_export($got, true), var_export($want, true)));
}

function t(string $name, callable $fn): void
{
    global $n, $failed;
    $n++;
    try {
        $fn();
        echo "ok $n - $name\n";
    } catch (Throwable $e) {
        $failed++;
        echo "not ok $n - $name\n";
        foreach (explode("\n", get_class($e) . ': ' . $e->getMessage() . "\n" . $e->getTraceAsString()) as $line) {
            echo "# $line\n";
        }
    }
}

/** The ApiException that $fn throws. */
function api_error(callable $fn): ApiException
{
    try {
        $fn();
    } catch (ApiException $e) {
        return $e;
    }
    throw new Exception('no ApiException');
}

function wait_status(Client $dq, string $id, string $status): array
{
    for ($i = 0; $i < 300; $i++) {
        $job = $dq->getJob($id);
        if ($job['status'] === $status) {
            return $job;
        }
        usleep(50000);
    }
    throw new Exception("job $id is {$job['status']}, not $status");
}

$dq = new Client(getenv('DQ_URL'), getenv('DQ_API_KEY'));
$target = getenv('DQ_TARGET');

t('create_and_get_a_job', function () use ($dq, $target) {
    $job = $dq->createJob(['url' => "$target/later", 'payload' => ['invoice' => 42], 'delay' => '1h',
        'headers' => ['X-Tenant' => 'acme'], 'queue' => 'php']);
    same($job['status'], 'pending', 'status');
    same($job['deduplicated'], false, 'deduplicated');
    same($job['payload'], ['invoice' => 42], 'payload');
    check(preg_match('/^req_[A-Za-z0-9]{20}$/', $dq->lastRequestId()) === 1, 'request id ' . $dq->lastRequestId());
    $again = $dq->getJob($job['id']);
    same($again['id'], $job['id'], 'id');
    same($again['headers'], ['X-Tenant' => 'acme'], 'headers');
    same($again['actions'], ['cancel'], 'actions');
});

t('idempotency_key_given_and_made', function () use ($dq, $target) {
    $body = ['url' => "$target/idem", 'delay' => '1h'];
    $a = $dq->createJob($body, 'order-7');
    $b = $dq->createJob($body, 'order-7');
    same($b['id'], $a['id'], 'the same job');
    same($b['deduplicated'], true, 'deduplicated');
    same($a['idempotency_key'], 'order-7', 'idempotency_key');
    $c = $dq->createJob($body);
    check(strpos($c['idempotency_key'], 'dq-php-') === 0, 'a key was made: ' . $c['idempotency_key']);
    check($c['id'] !== $a['id'], 'a new job without the key');
    $e = api_error(function () use ($dq, $target) {
        $dq->createJob(['url' => "$target/other"], 'order-7');
    });
    same($e->getStatus(), 422, 'status');
    same($e->getErrorCode(), 'idempotency_key_reused', 'code');
});

t('errors_carry_code_message_details_and_request_id', function () use ($dq) {
    $e = api_error(function () use ($dq) {
        $dq->createJob(['url' => 'ftp://example.com/', 'max_attempts' => 0]);
    });
    same($e->getStatus(), 400, 'status');
    same($e->getCode(), 400, 'getCode');
    same($e->getErrorCode(), 'validation_error', 'code');
    check($e->getMessage() !== '', 'a message');
    $fields = array_column($e->getDetails(), 'field');
    sort($fields);
    same($fields, ['max_attempts', 'url'], 'details fields');
    same($e->getRequestId(), $dq->lastRequestId(), 'request id');
    $e = api_error(function () use ($dq) {
        $dq->getJob('job_0000000000000000');
    });
    same([$e->getStatus(), $e->getErrorCode()], [404, 'not_found'], '404');
    $bad = new Client(getenv('DQ_URL'), 'dq_notakey');
    $e = api_error(function () use ($bad) {
        $bad->listJobs();
    });
    same([$e->getStatus(), $e->getErrorCode()], [401, 'unauthorized'], '401');
    $other = new Client(getenv('DQ_URL'), getenv('DQ_API_KEY2'));
    $mine = $dq->createJob(['url' => 'https://example.com/x', 'delay' => '1h']);
    $e = api_error(function () use ($other, $mine) {
        $other->cancelJob($mine['id']);
    });
    same($e->getErrorCode(), 'not_found', "another account's job");
});

t('list_one_page_and_iterate_with_the_cursor', function () use ($dq, $target) {
    $ids = [];
    for ($i = 0; $i < 7; $i++) {
        $ids[] = $dq->createJob(['url' => "$target/it", 'delay' => '1h', 'queue' => 'phpiter'])['id'];
    }
    $page = $dq->listJobs(['queue' => 'phpiter', 'limit' => 3]);
    same(count($page['data']), 3, 'page size');
    same($page['total'], 7, 'total');
    check(is_string($page['next_cursor']), 'a cursor');
    $seen = [];
    foreach ($dq->jobs(['queue' => 'phpiter'], 3) as $job) {
        $seen[] = $job['id'];
    }
    same(count(array_unique($seen)), 7, 'every job once');
    same(array_diff($ids, $seen), [], 'every job');
    $pending = iterator_to_array($dq->jobs(['queue' => 'phpiter', 'status' => 'completed'], 3), false);
    same($pending, [], 'filters apply');
    $e = api_error(function () use ($dq) {
        $dq->listJobs(['status' => 'nonsense']);
    });
    same($e->getErrorCode(), 'invalid_query', 'bad filter');
});

t('approve_cancel_retry', function () use ($dq, $target) {
    $job = $dq->createJob(['url' => "$target/ok", 'requires_approval' => true, 'delay' => '1h']);
    same($job['status'], 'awaiting_approval', 'status');
    $job = $dq->approveJob($job['id'], 'alice');
    same([$job['status'], $job['approved_by']], ['pending', 'alice'], 'approved');
    $job = $dq->cancelJob($job['id']);
    same($job['status'], 'cancelled', 'cancelled');
    $e = api_error(function () use ($dq, $job) {
        $dq->cancelJob($job['id']);
    });
    same([$e->getStatus(), $e->getErrorCode()], [409, 'not_cancellable'], 'twice');
    $job = $dq->retryJob($job['id']);
    same([$job['status'], $job['attempts']], ['pending', 0], 'retried');
    $plain = $dq->createJob(['url' => "$target/ok", 'requires_approval' => true, 'delay' => '1h']);
    same($dq->approveJob($plain['id'])['approved_by'], 'test', 'approved_by defaults to the account');
});

t('delivery_and_attempts', function () use ($dq, $target) {
    $job = $dq->createJob(['url' => "$target/ok", 'payload' => ['n' => 1]]);
    $done = wait_status($dq, $job['id'], 'completed');
    same($done['response_code'], 200, 'response_code');
    $attempts = $dq->jobAttempts($job['id']);
    same(count($attempts), 1, 'one attempt');
    same($attempts[0]['attempt'], 1, 'attempt number');
    same($attempts[0]['response_code'], 200, 'attempt response_code');
});

t('batch_create', function () use ($dq, $target) {
    $items = $dq->createJobs([
        ['url' => "$target/b1", 'delay' => '1h'],
        ['url' => 'not a url'],
        ['url' => "$target/b3", 'delay' => '1h', 'dedupe_key' => 'php-batch'],
        ['url' => "$target/b4", 'delay' => '1h', 'dedupe_key' => 'php-batch'],
    ]);
    same(array_column($items, 'status'), [201, 400, 201, 200], 'statuses');
    same($items[1]['error']['code'], 'validation_error', 'refused item');
    same($items[3]['job']['id'], $items[2]['job']['id'], 'deduplicated item');
});

t('schedules', function () use ($dq, $target) {
    $s = $dq->createSchedule(['name' => 'nightly', 'cron' => '30 2 * * *', 'timezone' => 'Europe/Berlin',
        'url' => "$target/report", 'payload' => ['kind' => 'nightly']]);
    check(preg_match('/^sch_/', $s['id']) === 1, 'id');
    same($dq->getSchedule($s['id'])['cron'], '30 2 * * *', 'read back');
    $s = $dq->replaceSchedule($s['id'], ['cron' => '0 3 * * 1-5', 'url' => "$target/report"]);
    same([$s['cron'], $s['timezone'], $s['name']], ['0 3 * * 1-5', 'UTC', null], 'replaced');
    same($dq->pauseSchedule($s['id'])['next_run_at'], null, 'paused');
    check($dq->resumeSchedule($s['id'])['next_run_at'] !== null, 'resumed');
    $second = $dq->createSchedule(['cron' => '@hourly', 'url' => "$target/hourly"]);
    $ids = array_column(iterator_to_array($dq->schedules(1), false), 'id');
    same($ids, [$second['id'], $s['id']], 'iterated, newest first');
    same($dq->listSchedules(['limit' => 1])['total'], 2, 'total');
    same($dq->deleteSchedule($second['id']), ['id' => $second['id'], 'deleted' => true], 'deleted');
    $e = api_error(function () use ($dq, $target) {
        $dq->createSchedule(['cron' => '61 * * * *', 'url' => "$target/x"]);
    });
    same($e->getErrorCode(), 'invalid_cron', 'bad cron');
});

t('queues', function () use ($dq, $target) {
    $q = $dq->updateQueue('phpq', ['concurrency' => 2, 'rate_per_second' => 5.5]);
    same([$q['concurrency'], $q['rate_per_second']], [2, 5.5], 'settings');
    same($dq->pauseQueue('phpq')['paused'], true, 'paused');
    $dq->createJob(['url' => "$target/q", 'queue' => 'phpq']);
    $dq->createJob(['url' => "$target/q", 'queue' => 'phpq', 'requires_approval' => true]);
    same($dq->getQueue('phpq')['counts']['pending'], 1, 'pending while paused');
    same($dq->purgeQueue('phpq'), 2, 'purged');
    same($dq->resumeQueue('phpq')['paused'], false, 'resumed');
    same($dq->updateQueue('phpq', ['concurrency' => null])['concurrency'], null, 'unlimited again');
    check(in_array('phpq', array_column($dq->listQueues(), 'name'), true), 'listed');
    $e = api_error(function () use ($dq) {
        $dq->getQueue('no spaces');
    });
    same([$e->getStatus(), $e->getErrorCode()], [400, 'validation_error'], 'bad name');
});

t('delete_and_bulk', function () use ($dq, $target) {
    $dq->pauseQueue('phpbulk');
    for ($i = 0; $i < 5; $i++) {
        $dq->createJob(['url' => "$target/bulk", 'queue' => 'phpbulk', 'requires_approval' => true]);
    }
    $one = $dq->bulkJobs('approve', ['queue' => 'phpbulk'], null, 'bob');
    same([$one['matched'], $one['changed'], $one['skipped'], $one['next_cursor']], [5, 5, 0, null], 'approve');
    same($dq->bulk('cancel', ['queue' => 'phpbulk', 'status' => 'pending']),
        ['matched' => 5, 'changed' => 5, 'skipped' => 0, 'calls' => 1], 'cancel, to the end');
    $e = api_error(function () use ($dq) {
        $dq->bulkJobs('cancel', []);
    });
    same([$e->getStatus(), $e->getErrorCode()], [400, 'validation_error'], 'an empty filter');
    $job = $dq->listJobs(['queue' => 'phpbulk', 'limit' => 1])['data'][0];
    same($dq->deleteJob($job['id']), ['id' => $job['id'], 'deleted' => true], 'deleted');
    $e = api_error(function () use ($dq, $target) {
        $dq->deleteJob($dq->createJob(['url' => "$target/x", 'delay' => '1h'])['id']);
    });
    same([$e->getStatus(), $e->getErrorCode()], [409, 'not_deletable'], 'not finished');
});

t('topics_and_fan_out', function () use ($dq, $target) {
    $t = $dq->putTopic('php-orders', [['url' => "$target/t1"],
        ['url' => "$target/t2", 'headers' => ['X-Team' => 'b']]]);
    same(count($t['endpoints']), 2, 'endpoints');
    same($dq->getTopic('php-orders')['endpoints'][1]['headers'], ['X-Team' => 'b'], 'read back');
    $made = $dq->createJob(['topic' => 'php-orders', 'payload' => ['order' => 1], 'delay' => '1h']);
    same($made['topic'], 'php-orders', 'topic');
    same(array_column($made['jobs'], 'url'), ["$target/t1", "$target/t2"], 'one job per endpoint');
    check(in_array('php-orders', array_column(iterator_to_array($dq->topics(), false), 'name'), true),
        'listed');
    same($dq->deleteTopic('php-orders'), ['name' => 'php-orders', 'deleted' => true], 'deleted');
    $e = api_error(function () use ($dq) {
        $dq->getTopic('php-orders');
    });
    same($e->getErrorCode(), 'not_found', 'gone');
});

t('ordered_queue_and_stats', function () use ($dq) {
    same($dq->updateQueue('php-ordered', ['ordered' => true])['ordered'], true, 'ordered');
    $s = $dq->stats('24h');
    same([$s['window'], $s['step_seconds'], count($s['series'])], ['24h', 300, 288], 'shape');
    check(array_sum(array_column($s['series'], 'created')) > 0, 'jobs were created');
    same(array_keys($dq->stats('1h', 'php')['now']),
        ['pending', 'awaiting_approval', 'active', 'completed', 'failed', 'cancelled'], 'now');
});

t('health', function () use ($dq) {
    $h = $dq->health();
    same([$h['status'], $h['store'], $h['dispatcher']['alive']], ['ok', 'ok', true], 'health');
});

t('rate_limited_creates_are_retried_after_retry_after', function () {
    $retries = [];
    $limited = new Client(getenv('DQ_LIMITED_URL'), getenv('DQ_LIMITED_KEY'), [
        'max_retries' => 10,
        'on_retry' => function ($n, $status, $wait) use (&$retries) {
            $retries[] = [$status, $wait];
        },
    ]);
    $ids = [];
    for ($i = 0; $i < 6; $i++) {
        $ids[] = $limited->createJob(['url' => 'https://example.com/r', 'delay' => '1h'])['id'];
    }
    same(count(array_unique($ids)), 6, 'six jobs');
    check(count($retries) > 0, 'some creates were refused at 2 per second');
    foreach ($retries as $r) {
        same($r, [429, 1.0], 'a 429 waits its Retry-After');
    }
    same($limited->lastHeaders()['ratelimit-limit'] ?? null, '2', 'RateLimit-Limit');
});

t('unavailable_then_rate_limited_then_created', function () {
    $retries = [];
    $stub = new Client(getenv('DQ_STUB_URL') . '/retry', 'dq_stub', [
        'on_retry' => function ($n, $status, $wait) use (&$retries) {
            $retries[] = [$n, $status, $wait];
        },
    ]);
    $t0 = microtime(true);
    $job = $stub->createJob(['url' => 'https://example.com/s']);
    same($job['id'], 'job_stubstubstubstub', 'the third answer');
    same(array_column($retries, 1), [503, 429], 'retried statuses');
    check($retries[0][2] >= 1.0 && $retries[0][2] <= 3.0, 'HTTP-date Retry-After: ' . $retries[0][2]);
    same($retries[1][2], 1.0, 'Retry-After seconds');
    check(microtime(true) - $t0 >= 1.9, 'it waited');
});

t('retries_end_with_the_last_error', function () {
    $stub = new Client(getenv('DQ_STUB_URL') . '/down', 'dq_stub', ['max_retries' => 1]);
    $e = api_error(function () use ($stub) {
        $stub->getJob('job_0000000000000000');
    });
    same([$e->getStatus(), $e->getErrorCode(), $e->getRetryAfter()], [503, 'unavailable', 0.0], 'last answer');
    same($e->getRequestId(), 'req_stub', 'its request id');
});

t('connection_failures', function () {
    $retries = 0;
    $closed = new Client(getenv('DQ_CLOSED_URL'), 'dq_x', ['max_retries' => 1,
        'on_retry' => function () use (&$retries) {
            $retries++;
        }]);
    try {
        $closed->listQueues();
        throw new Exception('no TransportException');
    } catch (TransportException $e) {
        same($e->getCode(), CURLE_COULDNT_CONNECT, 'curl error');
    }
    same($retries, 1, 'a refused connection is retried');
});

echo "1..$n\n";
exit($failed ? 1 : 0);
