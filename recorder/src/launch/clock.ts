// The recorder's clock as a type: nanoseconds on CLOCK_MONOTONIC (process.hrtime.bigint in a run, a fake in
// tests). Its own module because both the launch path and the ready-signal watcher take one, and the watcher
// must not import the launch path that drives it.
export type Clock = () => bigint;
