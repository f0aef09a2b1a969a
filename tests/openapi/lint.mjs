// Lints an OpenAPI document with Redocly's linter (its "recommended" rules,
// all of them errors here): node lint.mjs openapi.yaml.  Prints each problem
// and the totals; exits 1 on any problem, 0 when the document is clean.
import { createConfig, formatProblems, getTotals, lint } from '@redocly/openapi-core';

const file = process.argv[2];
if (!file) {
	console.error('usage: node lint.mjs FILE');
	process.exit(2);
}
const config = await createConfig({
	extends: ['recommended-strict'],
	rules: {
		// MethodNotAllowed is not any operation's answer (it is what a path
		// answers to a method it does not have); the integration harness
		// checks those answers against it.
		'no-unused-components': 'off',
	},
});
const problems = await lint({ ref: file, config });
const totals = getTotals(problems);
formatProblems(problems, { format: 'stylish', totals, version: '1' });
console.log(`${file}: ${totals.errors} errors, ${totals.warnings} warnings`);
process.exit(totals.errors + totals.warnings > 0 ? 1 : 0);
