// Errors the user can fix (bad path, bad trace, bad option). The CLI prints their message on one line with
// no stack; anything else is a bug and keeps its stack.
import { TraceFormatError } from '@bootlab/trace';

export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

export function isUserError(err: unknown): err is Error {
  return err instanceof UserError || err instanceof TraceFormatError;
}
