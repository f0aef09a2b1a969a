# The OpenAPI linter (Redocly's, from npm, pinned in package-lock.json) on
# openapi.yaml and the built openapi.json; SKIPs until `npm ci` here, which
# ./quickstart.sh test runs.
OPENAPI_TESTS = tests/openapi/test_lint.py
TESTS += $(OPENAPI_TESTS)
EXTRA_DIST += $(OPENAPI_TESTS) tests/openapi/lint.mjs tests/openapi/package.json \
	tests/openapi/package-lock.json
