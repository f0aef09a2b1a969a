// Headless Debian Chromium through playwright-core, never a downloaded
// browser. The browser's pids go to OUT/chromium.pid so the Python wrapper can
// kill them by pid even if this Node process dies without closing it.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launch(executablePath, out) {
  const browser = await chromium.launch({ executablePath, args: ARGS });
  writeFileSync(join(out, 'chromium.pid'), `${childPids().join('\n')}\n`);
  return browser;
}

// Direct children of this process whose command line names chromium.
function childPids() {
  const pids = [];
  for (const task of readdirSync('/proc/self/task')) {
    let children = '';
    try {
      children = readFileSync(`/proc/self/task/${task}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const pid of children.split(/\s+/).filter(Boolean)) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('chromium')) pids.push(pid);
      } catch {
        /* already gone */
      }
    }
  }
  return pids;
}

// A full-page screenshot named after the view and the viewport width.
export async function shot(page, out, name) {
  const { width } = page.viewportSize();
  await page.screenshot({ path: join(out, `${name}-${width}.png`), fullPage: true });
}
