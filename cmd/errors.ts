import { UserError } from '../lib/errors.ts';
import { UCloudApiError, UCloudCancelledError, UCloudTransportError } from '../lib/ucloud/errors.ts';
import { describeKubeError, isKubeError } from '../lib/kube/errors.ts';
import { InvalidReferenceError } from '../lib/image/reference.ts';
import { t } from '../lib/i18n/index.ts';
import { writeStyled } from './safe-text.ts';

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

/** Where reportError writes: the error line itself (its prefix coloured on a terminal) and lines after it. */
export interface ErrorOutput {
  error(message: string): void;
  line(text: string): void;
}

/** `error: …` (in the user's language, "error:" red on a terminal) and plain lines, on a stream. */
export function errorOutput(stream: NodeJS.WritableStream): ErrorOutput {
  return {
    error: (message) => writeStyled(stream, [{ style: 'fail', text: t('common.error') }, message, '\n']),
    line: (text) => void stream.write(`${text}\n`),
  };
}

/** Writes an error the way kubectl does and returns the exit code. Never prints a raw stack or client exception. */
export function reportError(err: unknown, out: ErrorOutput, verbosity = 0, server?: string): number {
  if (err instanceof UserError) {
    out.error(err.message);
    for (const line of err.details) out.line(line);
    return exitCodeOf(err.kind);
  }
  if (err instanceof InvalidReferenceError || err instanceof UCloudApiError || err instanceof UCloudTransportError) {
    out.error(err.message);
    return EXIT.error;
  }
  if (err instanceof UCloudCancelledError) {
    out.error(err.message);
    return EXIT.timeout;
  }
  if (isKubeError(err)) {
    out.line(describeKubeError(err, server, t));
    return EXIT.error;
  }
  out.error(err instanceof Error ? err.message : String(err));
  if (verbosity >= 5 && err instanceof Error && err.stack) out.line(err.stack);
  return EXIT.error;
}
