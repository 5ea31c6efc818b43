import type { WaitSettings } from './args.ts';
import type { Context } from './context.ts';
import { EXIT, errorOutput, reportError, worstExit, type ErrorOutput } from './errors.ts';
import { t } from '../lib/i18n/index.ts';

/**
 * Runs `step` for each item, one after another (UCloud runs one operation per cluster at a time): each is reported on
 * its own, a failure does not stop the next, and the exit code is the worst result. Once --timeout has run out, the
 * items left are not started (exit 4), because an operation sent then could not be followed.
 */
export async function forEach<T>(
  ctx: Context,
  items: readonly T[],
  name: (item: T) => string,
  wait: WaitSettings | undefined,
  step: (item: T) => Promise<number>,
): Promise<number> {
  let worst: number = EXIT.ok;
  const out = errorOutput(ctx.streams.err);
  for (const item of items) {
    // The command's own --timeout clock (ctx.signal) started first; either having run out means the same.
    if (ctx.signal.aborted || (wait?.deadline !== undefined && Date.now() >= wait.deadline)) {
      out.error(t('common.itemNotStarted', { item: name(item) }));
      worst = worstExit(worst, EXIT.timeout);
      continue;
    }
    let code: number;
    try {
      code = await step(item);
    } catch (err) {
      // With one item the error is the command's own; with several, each says which item it is about.
      const label = name(item);
      const prefixed: ErrorOutput = items.length > 1 ? { error: (message) => out.error(t('common.itemError', { item: label, message })), line: out.line } : out;
      code = reportError(err, prefixed, ctx.flags.verbosity, ctx.kube.serverUrl());
    }
    worst = worstExit(worst, code);
  }
  return worst;
}
