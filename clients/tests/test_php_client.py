#!/usr/bin/env python3
"""
clients/php/DqClient.php against the real stack: client_test.php exercises
every method (jobs, iteration, actions, batch, schedules, queues, health)
and the error and retry behaviour, one TAP point each; the rate limit on a
second stack limited to 2 requests per second, 503s and HTTP-date
Retry-After on a stub.  Then, from here: what the stub received (the retried
create sent the same Idempotency-Key and body each time).

SKIPs (TAP 1..0) without php or its curl extension; ./quickstart.sh test
installs php-cli and php-curl.
"""
import json
import os

from clientharness import (CLIENTS, HERE, check, eq, error_answer, http_date_in,
                           php_skip_reason, tap_points, tap_program, test)
import dqtest

S = L = T = STUB = None
ENV = {}        # the PHP script's environment, filled by setup()


def setup():
    global S, L, T, STUB
    S = dqtest.Stack()
    L = dqtest.Stack(conf={"rate_limit_per_second": "2"}, dispatcher=False)
    T = dqtest.Target()
    STUB = dqtest.Target()      # scripted answers of a dq that is not there
    job = '{"id": "job_stubstubstubstub", "status": "pending"}'
    STUB.on("/retry/v1/jobs", error_answer(503, "unavailable", http_date_in(2)),
            error_answer(429, "rate_limited", 1), (201, {"X-Request-Id": "req_stub"}, job, 0))
    STUB.on("/down/v1/jobs/job_0000000000000000", error_answer(503, "unavailable", 0))
    ENV.update(os.environ, DQ_URL="http://127.0.0.1:%d" % S.port, DQ_API_KEY=S.key,
               DQ_API_KEY2=S.key2, DQ_TARGET=T.url(""),
               DQ_LIMITED_URL="http://127.0.0.1:%d" % L.port, DQ_LIMITED_KEY=L.key,
               DQ_STUB_URL=STUB.url(""),
               DQ_CLOSED_URL="http://127.0.0.1:%d" % dqtest.free_port())


def main():
    reason = php_skip_reason()
    if reason:
        return dqtest.run(skip=reason)
    make = tap_program("client_test.php", ["php", os.path.join(HERE, "client_test.php")], ENV)
    # One TAP point here per point of client_test.php, named in its source.
    names = tap_points(os.path.join(HERE, "client_test.php"), r"^t\('(\w+)'")
    for i, name in enumerate(names):
        test(make(i, name))

    @test
    def retried_create_sent_the_same_key_and_body():
        sent = STUB.hits("/retry/v1/jobs")
        eq(len(sent), 3, "requests")
        keys = {r["headers"].get("idempotency-key") for r in sent}
        eq(len(keys), 1, "one Idempotency-Key")
        check(keys.pop().startswith("dq-php-"), "a made key")
        eq(len({r["body"] for r in sent}), 1, "one body")
        eq(sent[0]["headers"].get("content-type"), "application/json", "Content-Type")
        check(sent[0]["headers"].get("user-agent", "").startswith("dq-php/"), "User-Agent")

    @test
    def composer_json_autoloads_the_one_file():
        with open(os.path.join(CLIENTS, "php", "composer.json")) as f:
            c = json.load(f)
        eq(c["autoload"], {"classmap": ["DqClient.php"]}, "autoload")
        eq(c["require"]["php"], ">=7.4", "PHP version")
        check("ext-curl" in c["require"], "needs curl")

    return dqtest.run(setup)


if __name__ == "__main__":
    raise SystemExit(main())
