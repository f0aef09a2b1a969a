# Browser tests: the web console end to end in headless Chromium (Debian's
# chromium, driven by playwright-core from npm) against the real stack.
# They SKIP when Chromium, node or tests/browser/node_modules is missing;
# `./quickstart.sh test` installs all three. The scenario runs with nginx in
# front and again with Apache; screenshots: tests/browser/out/nginx/, .../apache/.
BROWSER_TESTS = tests/browser/test_console.py tests/browser/test_console_apache.py
TESTS += $(BROWSER_TESTS)
EXTRA_DIST += $(BROWSER_TESTS) \
	tests/browser/browser.mjs \
	tests/browser/console.mjs \
	tests/browser/dqapi.mjs \
	tests/browser/steps_admin.mjs \
	tests/browser/steps_config.mjs \
	tests/browser/steps_jobs.mjs \
	tests/browser/steps_ops.mjs \
	tests/browser/tap.mjs \
	tests/browser/package.json \
	tests/browser/package-lock.json

clean-local: clean-browser-out
clean-browser-out:
	-rm -rf tests/browser/out
.PHONY: clean-browser-out
