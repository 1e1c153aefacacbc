// The `bootlab` command: the recorder's and the analysis's commands on one program, plus `demo`.
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { registerRecorderCommands } from '@bootlab/recorder';
import { registerClassifyCommand } from './classify.ts';
import { registerDemoCommand } from './demo.ts';

/** Errors that are the user's input or machine, reported as one line; anything else is a bug and keeps its stack. */
const USER_ERRORS = new Set([
  'DescriptorError',
  'HostError',
  'TraceWriterError',
  'QemuArgsError',
  'GuestBuildError',
  'TraceFormatError',
  'InvalidArgumentError',
  'UserError',
  'CampaignError',
]);

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Commands that need nothing but the recorder package. */
export const RECORDER_COMMANDS: ReadonlySet<string> = new Set(['record', 'doctor', 'guests', 'campaign-shard', 'doctor-node']);

/** The subcommand named in argv (node, script, …): the first argument that is not an option. */
export function subcommandOf(argv: readonly string[]): string | null {
  return argv.slice(2).find((a) => !a.startsWith('-')) ?? null;
}

/**
 * The program for this argv. For a recorder command the analysis package is not even imported: a run must
 * not fail to start (or pay for loading vega and danfo) because of the analysis side — a broken install,
 * or its sources being edited while an overnight run starts. Help and unknown commands load everything.
 */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('bootlab')
    .description('Measure how fast VMs boot, alone and many at once, and classify the guests.')
    .version(version())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerRecorderCommands(program);
  if (!RECORDER_COMMANDS.has(subcommandOf(argv) ?? '')) {
    const { registerAnalysisCommands } = await import('@bootlab/analysis/cli');
    registerAnalysisCommands(program);
    registerDemoCommand(program);
    registerClassifyCommand(program);
  }
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv);
  } catch (err) {
    // An InvalidArgumentError thrown by our own action (not by an option's parser, which commander reports
    // itself, as a plain CommanderError) has not been printed yet: it is a user error like any other.
    if (err instanceof CommanderError && !(err instanceof InvalidArgumentError)) {
      // commander has already printed its message (or help/version, exit code 0)
      process.exitCode = err.exitCode;
      return;
    }
    const e = err as Error;
    if (USER_ERRORS.has(e.name) || /^(--|-[a-z])/.test(e.message)) {
      process.stderr.write(`bootlab: error: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`bootlab: internal error: ${e.stack ?? e.message}\n`);
    process.exitCode = 1;
  }
}
