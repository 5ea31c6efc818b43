import { UserError } from '../lib/errors.ts';
import { UCloudApiError, UCloudCancelledError, UCloudTransportError } from '../lib/ucloud/errors.ts';
import { describeKubeError, isKubeError } from '../lib/kube/errors.ts';
import { InvalidReferenceError } from '../lib/image/reference.ts';

/** Exit codes (documented in README). */
export const EXIT = {
  ok: 0,
  error: 1,
  /** Refused because something still uses the image; --force overrides. */
  inUse: 3,
  /** Gave up waiting (or --timeout ran out); the operation may still finish in UCloud. */
  timeout: 4,
  /**
   * Could not verify: the in-use check (or who-uses) could not see the whole cluster, so "nothing uses it" cannot be
   * said; --force overrides for delete/disable.
   */
  unverified: 5,
  /** Interrupted by SIGINT (Ctrl-C) / SIGTERM, as shells report a process killed by that signal. */
  interrupted: 130,
  terminated: 143,
} as const;

/** Severity of an exit code, for a command that does several things: failed > timed out > could not verify > in use > ok. */
const SEVERITY: Readonly<Record<number, number>> = { [EXIT.ok]: 0, [EXIT.inUse]: 1, [EXIT.unverified]: 2, [EXIT.timeout]: 3, [EXIT.error]: 4 };

/** The exit code of the worse of two results (an unknown code, e.g. an interruption, counts as worst). */
export function worstExit(a: number, b: number): number {
  return (SEVERITY[b] ?? 9) > (SEVERITY[a] ?? 9) ? b : a;
}

/** The exit code of a UserError kind. */
export function exitCodeOf(kind: UserError['kind']): number {
  if (kind === 'in-use') return EXIT.inUse;
  if (kind === 'unverified') return EXIT.unverified;
  if (kind === 'timeout') return EXIT.timeout;
  return EXIT.error;
}

/** Writes an error the way kubectl does and returns the exit code. Never prints a raw stack or client exception. */
export function reportError(err: unknown, write: (text: string) => void, verbosity = 0, server?: string): number {
  if (err instanceof UserError) {
    write(`error: ${err.message}\n`);
    for (const line of err.details) write(`${line}\n`);
    return exitCodeOf(err.kind);
  }
  if (err instanceof InvalidReferenceError) {
    write(`error: ${err.message}\n`);
    return EXIT.error;
  }
  if (err instanceof UCloudApiError || err instanceof UCloudTransportError) {
    write(`error: ${err.message}\n`);
    return EXIT.error;
  }
  if (err instanceof UCloudCancelledError) {
    write(`error: ${err.message}\n`);
    return EXIT.timeout;
  }
  if (isKubeError(err)) {
    write(`${describeKubeError(err, server)}\n`);
    return EXIT.error;
  }
  const message = err instanceof Error ? err.message : String(err);
  write(`error: ${message}\n`);
  if (verbosity >= 5 && err instanceof Error && err.stack) write(`${err.stack}\n`);
  return EXIT.error;
}
