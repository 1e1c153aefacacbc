// One periodic reader for the bench watchers: read now, every `everyMs`, and once more when stopped, so the
// last reading is taken at the stop, not up to `everyMs` before it.

/** Calls `tick` at once and every `everyMs`; the returned stop() clears the timer and ticks a last time. */
export function every(everyMs: number, tick: () => void): () => void {
  tick();
  const timer = setInterval(tick, everyMs);
  return () => {
    clearInterval(timer);
    tick();
  };
}
