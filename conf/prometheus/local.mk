# Monitoring samples, installed as examples: the Prometheus scrape config and
# alerting rules, and the Grafana dashboard (tests/integration/test_monitoring.py
# checks them with promtool against a live dq).
promexamplesdir = $(docdir)/examples/prometheus
dist_promexamples_DATA = conf/prometheus/prometheus.yml conf/prometheus/dq-alerts.yml
grafanaexamplesdir = $(docdir)/examples/grafana
dist_grafanaexamples_DATA = conf/grafana/dq-dashboard.json
