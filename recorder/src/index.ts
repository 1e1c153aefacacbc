// @bootlab/recorder: what the CLI, bench/ and reliability/ use. Everything else under src/ is internal.
export * from './guests/descriptor.ts';
export * from './console/console-matcher.ts';
export * from './launch/qemu-args.ts';
export * from './host/host.ts';
export * from './record/plan.ts';
export * from './launch/launch.ts';
export * from './launch/launcher.ts';
export { buildEngine, Engine, ENGINE_SOURCE } from './launch/engine.ts';
export * from './record/record.ts';
export * from './guests/guests.ts';
export * from './guests/guest-build.ts';
export * from './host/doctor.ts';
export { registerRecorderCommands } from './cli.ts';
export * from './record/progress.ts';
export { probeImage, summarizeProbe, ProbeError, type ProbeOptions, type ProbeResult } from './probe/probe.ts';
export { readMemInfo, type MemInfo } from './host/proc.ts';
export { summarizeRecord } from './record/summary.ts';
