# The web console: static files installed under $(pkgdatadir)/www (keeping
# their js/ and js/views/ folders), where conf/nginx-dq.conf's /ui/ location
# serves them from. No build step: what is here is what the browser loads.
# package.json only tells Node (the browser tests import these files) that
# they are ES modules, as browsers know from <script type="module">; Node 18
# would read them as CommonJS. It is not installed.
EXTRA_DIST += www/package.json
nobase_dist_pkgdata_DATA = \
	www/index.html \
	www/console.css \
	www/js/api.js \
	www/js/bulk.js \
	www/js/chart.js \
	www/js/cron.js \
	www/js/cronnext.js \
	www/js/dialog.js \
	www/js/dom.js \
	www/js/editor.js \
	www/js/errors.js \
	www/js/format.js \
	www/js/jobactions.js \
	www/js/jobfields.js \
	www/js/keyform.js \
	www/js/main.js \
	www/js/notice.js \
	www/js/poll.js \
	www/js/session.js \
	www/js/table.js \
	www/js/tz.js \
	www/js/views/approvals.js \
	www/js/views/job.js \
	www/js/views/jobs.js \
	www/js/views/overview.js \
	www/js/views/queues.js \
	www/js/views/schedule.js \
	www/js/views/schedules.js \
	www/js/views/send.js \
	www/js/views/topics.js
