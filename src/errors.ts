/**
 * An error caused by the user's input (a missing file, a bad option, a corrupt checkpoint).
 * The command line prints its message as one line and exits non-zero, without a stack trace.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
}
