// Live refresh for a view: runs fn every ms while the view is open (until
// signal aborts) and the tab is visible. Calls never overlap: the next one is
// scheduled when the previous one has finished.
export function every(ms, fn, signal) {
  let timer = null;
  const tick = async () => {
    if (signal.aborted) return;
    if (!document.hidden) {
      try {
        await fn();
      } catch {
        /* fn shows its own errors; keep polling */
      }
    }
    if (!signal.aborted) timer = setTimeout(tick, ms);
  };
  timer = setTimeout(tick, ms);
  signal.addEventListener('abort', () => clearTimeout(timer));
}

// Whether data differs from what was last drawn, to skip redraws that would
// move the keyboard focus or the scroll position for nothing.
export function changed(holder, data) {
  const text = JSON.stringify(data);
  if (holder.last === text) return false;
  holder.last = text;
  return true;
}
