// Standalone entry for the analysis commands (for development and tests; users run `bootlab`).
// Mirrors the root CLI's error policy: user errors on one line with exit code 2, bugs with their stack.
import { Command, CommanderError } from 'commander';
import { registerAnalysisCommands } from '../src/cli.ts';
import { isUserError } from '../src/errors.ts';

const program = new Command('bootlab-analysis').exitOverride();
registerAnalysisCommands(program);
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else if (isUserError(err)) {
    process.stderr.write(`bootlab: error: ${err.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`bootlab: internal error: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
