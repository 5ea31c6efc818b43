/**
 * Errors the user can act on. cmd/ maps each kind to an exit code; lib/ never exits.
 * - invalid: bad input (flags, references, configuration)
 * - refused: the operation would hurt something (e.g. the target image is in use) or the state forbids it
 * - failed: UCloud reported the operation failed (CreateError / DeleteError)
 * - in-use: refused because something uses the target image (--force overrides)
 * - unverified: refused because whether anything uses it could not be checked completely (--force overrides)
 * - timeout: we stopped waiting; the operation may still finish
 */
export type UserErrorKind = 'invalid' | 'refused' | 'in-use' | 'unverified' | 'failed' | 'timeout' | 'not-found';

export class UserError extends Error {
  readonly kind: UserErrorKind;
  /** Extra lines after the message (hints, tables) already rendered as text. */
  readonly details: readonly string[];

  constructor(kind: UserErrorKind, message: string, details: readonly string[] = []) {
    super(message);
    this.name = 'UserError';
    this.kind = kind;
    this.details = details;
  }
}

export function invalid(message: string, ...details: string[]): UserError {
  return new UserError('invalid', message, details);
}

export function refused(message: string, ...details: string[]): UserError {
  return new UserError('refused', message, details);
}
