#!/usr/bin/env python3
"""
The monitoring samples against a live dq: conf/prometheus/ (scrape config
and alerting rules: promtool check config / check rules, and promtool test
rules with tests/monitoring/dq-alerts.test.yml), a live scrape of /metrics
after real traffic (promtool check metrics), and the Grafana dashboard
(conf/grafana/dq-dashboard.json: valid JSON whose every query is PromQL
that promtool accepts and names only metrics the scrape has).

SKIPs without promtool (apt-get install prometheus; ./quickstart.sh test does).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dqtest import SRC, Stack, Target, at_exit, check, eq, run, test  # noqa: E402

PROMTOOL = shutil.which("promtool")
PROM = os.path.join(SRC, "conf", "prometheus")
DASHBOARD = os.path.join(SRC, "conf", "grafana", "dq-dashboard.json")
S = T = None
scrape = {}


def promtool(*args, stdin=None):
    r = subprocess.run([PROMTOOL] + list(args), input=stdin, capture_output=True, text=True,
                       timeout=120)
    return r.returncode, r.stdout + r.stderr


def metric_names(text):
    """The metric families of an exposition: name -> type."""
    return dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))


def used_metrics(expr):
    """dq_* series an expression reads, as family names (histogram parts
    folded into their family)."""
    return {re.sub(r"_(bucket|sum|count)$", "", m) if m.endswith(("_bucket", "_sum", "_count"))
            else m for m in re.findall(r"\bdq_[a-z_]+", expr)}


def setup():
    global S, T
    S = Stack()
    T = Target()
    T.on("/fail", 500)
    for path in ("/ok", "/fail"):
        S.create({"url": T.url(path), "max_attempts": 1})
    S.req("GET", "/v1/jobs/job_0000000000000000")      # a 404 for the counters
    for path in ("/ok", "/fail"):
        T.wait_hits(path, 1)
    S.wait_status(S.req("GET", "/v1/jobs?limit=2").json["data"][0]["id"],
                  ("completed", "failed"))
    r = S.req("GET", "/metrics", auth=False)
    eq(r.status, 200, "GET /metrics")
    scrape["text"] = r.body


@test
def scrape_config_and_rules_pass_promtool():
    rc, out = promtool("check", "config", os.path.join(PROM, "prometheus.yml"))
    eq(rc, 0, "promtool check config:\n" + out)
    rc, out = promtool("check", "rules", os.path.join(PROM, "dq-alerts.yml"))
    eq(rc, 0, "promtool check rules:\n" + out)
    check("SUCCESS: 8 rules found" in out, out)


@test
def alerts_fire_when_they_should():
    rc, out = promtool("test", "rules", os.path.join(SRC, "tests", "monitoring",
                                                    "dq-alerts.test.yml"))
    eq(rc, 0, "promtool test rules:\n" + out)


@test
def live_metrics_pass_promtool_check_metrics():
    rc, out = promtool("check", "metrics", stdin=scrape["text"])
    eq((rc, out.strip()), (0, ""), "promtool check metrics")
    families = metric_names(scrape["text"])
    for name, kind in (("dq_http_requests_total", "counter"), ("dq_deliveries_total", "counter"),
                       ("dq_http_request_duration_seconds", "histogram"),
                       ("dq_delivery_duration_seconds", "histogram"),
                       ("dq_delivery_lateness_seconds", "histogram"), ("dq_jobs", "gauge"),
                       ("dq_dispatcher_last_tick_seconds", "gauge")):
        eq(families.get(name), kind, "the scrape's %s" % name)
    for outcome in ("success", "http_error"):
        check(re.search(r'^dq_deliveries_total\{outcome="%s"\} [1-9]' % outcome,
                        scrape["text"], re.M), "a %s delivery counted" % outcome)


@test
def alert_rules_read_metrics_dq_has():
    with open(os.path.join(PROM, "dq-alerts.yml")) as f:
        text = f.read()
    families = metric_names(scrape["text"])
    used = used_metrics(text)
    check(used, "the rules use dq's metrics")
    eq(sorted(used - set(families)), [], "metrics the rules read that dq does not export")


def dashboard_exprs():
    with open(DASHBOARD) as f:
        dash = json.load(f)
    panels = dash["panels"]
    eq(len({p["id"] for p in panels}), len(panels), "unique panel ids")
    exprs = [t["expr"] for p in panels for t in p["targets"]]
    check(len(exprs) >= 10, "the dashboard's queries")
    return dash, exprs


@test
def dashboard_queries_are_promql_on_dq_metrics():
    dash, exprs = dashboard_exprs()
    names = {v["name"] for v in dash["templating"]["list"]}
    eq(names, {"datasource", "instance", "account"}, "variables")
    # Grafana's variables as Prometheus would see them, then each query as
    # a recording rule, which promtool parses.
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": "dashboard:query_%d" % i,
         "expr": e.replace("$__rate_interval", "5m").replace("$instance", ".*")
                  .replace("$account", ".*")}
        for i, e in enumerate(exprs)]}]}
    d = tempfile.mkdtemp(prefix="dq-dash-")
    at_exit(lambda: shutil.rmtree(d, ignore_errors=True))
    path = os.path.join(d, "dashboard.rules.json")      # JSON is YAML
    with open(path, "w") as f:
        json.dump(rules, f)
    rc, out = promtool("check", "rules", path)
    eq(rc, 0, "the dashboard's queries as PromQL:\n" + out)
    families = set(metric_names(scrape["text"]))
    used = set().union(*(used_metrics(e) for e in exprs))
    eq(sorted(used - families), [], "metrics the dashboard reads that dq does not export")
    for want in ("dq_jobs", "dq_deliveries_total", "dq_delivery_lateness_seconds",
                 "dq_http_requests_total", "dq_http_request_duration_seconds"):
        check(want in used, "the dashboard shows %s" % want)


if __name__ == "__main__":
    sys.exit(run(setup, skip=None if PROMTOOL else
                 "no promtool (apt-get install prometheus; ./quickstart.sh test does)"))
