// TAP for the browser scenario: the plan first, then one point per step, in
// order. A failing step prints its error as diagnostics and the next steps
// still run, so one regression does not hide the others.

// steps: [[name, fn(ctx)]]; onFail(n) may save evidence (a screenshot).
// only: the step numbers to run (the others are skipped), or null for all.
export async function runSteps(steps, ctx, onFail, only = null) {
  console.log(`1..${steps.length}`);
  let failed = 0;
  for (const [i, [name, fn]] of steps.entries()) {
    if (only && !only.includes(i + 1)) {
      console.log(`ok ${i + 1} - ${name} # SKIP not chosen`);
      continue;
    }
    const t0 = Date.now();
    try {
      await fn(ctx);
      console.log(`ok ${i + 1} - ${name} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
    } catch (e) {
      failed++;
      console.log(`not ok ${i + 1} - ${name}`);
      diag(e.stack || String(e));
      try {
        await onFail(i + 1);
      } catch {
        /* the failure is already reported */
      }
    }
  }
  return failed;
}

export function diag(text) {
  // eslint-disable-next-line no-control-regex
  for (const line of String(text).replace(/\x1b\[[0-9;]*m/g, '').split('\n')) console.log(`# ${line}`);
}

export function ok(cond, msg) {
  if (!cond) throw new Error(msg || 'check failed');
}

export function eq(got, want, msg) {
  const g = JSON.stringify(got);
  const w = JSON.stringify(want);
  if (g !== w) throw new Error(`${msg || 'values differ'}: got ${g}, want ${w}`);
}

// Polls cond (sync or async) until it returns something truthy.
export async function until(cond, what, ms = 15000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      last = await cond();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${last})`);
}
