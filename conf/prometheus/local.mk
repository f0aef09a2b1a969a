# Monitoring samples, installed with the other examples: the Prometheus
# scrape config and alerting rules, and the Grafana dashboard
# (tests/integration/test_monitoring.py checks them with promtool against a
# live dq).
dist_dqexamples_DATA += conf/prometheus/prometheus.yml conf/prometheus/dq-alerts.yml \
	conf/grafana/dq-dashboard.json
