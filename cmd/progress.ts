import type { Spinner } from 'yocto-spinner';
import { busyReason, settled, waitUntilSettled, type Progress, type WaitOptions } from '../lib/operations.ts';
import type { AccelerationApi, AccelerationState } from '../lib/ucloud/acceleration.ts';
import { onInterrupt } from './interrupt.ts';
import { waitOptions, type WaitSettings } from './args.ts';
import { formatDuration } from '../lib/duration.ts';
import { UserError } from '../lib/errors.ts';
import { printMachine, type OutputFormat } from './output.ts';
import { listObject } from './views.ts';
import type { Context, Streams } from './context.ts';
import { safeField, writeStyled } from './safe-text.ts';
import { currentLanguage, t } from '../lib/i18n/index.ts';

export interface ProgressDisplay {
  readonly onProgress: (p: Progress) => void;
  succeed(text: string): void;
  fail(): void;
}

function describe(p: Progress): string {
  const s = p.state;
  const parts: string[] = [];
  if (s) {
    parts.push(t('cli.progress.status', { status: s.status }));
    // What enable waits for, and what UCloud says went wrong, as it happens.
    if (s.enabled) parts.push(t(s.nfsReady ? 'cli.progress.nfsReady' : 'cli.progress.nfsNotReady'), t(s.agentReady ? 'cli.progress.agentReady' : 'cli.progress.agentNotReady'));
    if (s.error) parts.push(t('cli.progress.error', { error: s.error }));
  }
  if (p.readError) parts.push(t('cli.progress.readFailed', { error: p.readError.split('\n')[0] ?? '' }));
  return parts.join(t('cli.progress.separator'));
}

/** A live spinner on a terminal; elsewhere one plain line on stderr whenever the state changes. */
export async function startProgress(streams: Streams, rawWhat: string): Promise<ProgressDisplay> {
  // The spinner writes to the terminal itself, so what it shows is escaped here (image names come from UCloud).
  const what = safeField(rawWhat);
  if (streams.interactive) {
    // Imported here: yocto-spinner decides colour and Unicode support from the environment when it is evaluated, which
    // only an interactive start should pay for.
    const { default: yoctoSpinner } = await import('yocto-spinner');
    // Signals are ours (cmd/interrupt.ts): the spinner is stopped there, and the user told what goes on.
    const spinner: Spinner = yoctoSpinner({ text: what, stream: streams.terminal ?? streams.err, handleSignals: false }).start();
    return {
      onProgress: (p) => {
        const detail = safeField(describe(p));
        const elapsed = formatDuration(p.elapsedMs);
        spinner.text = detail === '' ? t('cli.progress.elapsed', { what, elapsed }) : t('cli.progress.elapsedDetail', { what, elapsed, detail });
      },
      succeed: (text) => void spinner.success(text),
      fail: () => void spinner.stop(),
    };
  }
  let last = '';
  // What is waited for stands out when stderr is coloured (a terminal without live progress, e.g. CI=true, or FORCE_COLOR).
  writeStyled(streams.err, [{ style: 'progress', text: what }, '\n']);
  return {
    onProgress: (p) => {
      const line = describe(p);
      if (line !== last) writeStyled(streams.err, [{ style: p.readError ? 'warn' : 'muted', text: t('cli.progress.line', { detail: line, elapsed: formatDuration(p.elapsedMs) }) }, '\n']);
      last = line;
    },
    succeed: () => undefined,
    fail: () => undefined,
  };
}

/**
 * Runs one UCloud operation the way every async command does: live progress while waiting (none with --no-wait),
 * the spinner settled whatever happens, and a warning when a request that failed in transit turned out applied.
 */
export async function runOperation<T extends { readonly recoveredFrom?: string | undefined; readonly finished: boolean }>(
  ctx: Context,
  what: string,
  doneText: string,
  wait: WaitSettings | undefined,
  op: (options: WaitOptions | undefined) => Promise<T>,
  unfinished?: (last: AccelerationState | undefined, interrupted: boolean) => void,
): Promise<T> {
  const progress = wait ? await startProgress(ctx.streams, what) : undefined;
  // The status last read while waiting: what is known when the wait ends early. Reads begin only once UCloud
  // accepted the request, so a state seen also means the operation was sent.
  let lastSeen: AccelerationState | undefined;
  const onProgress = (p: Progress): void => {
    if (p.state) lastSeen = p.state;
    progress?.onProgress(p);
  };
  // Interrupted now, the request may have been sent (and then UCloud carries on) or not: say both, and how to look.
  const unregister = onInterrupt((signal) => {
    progress?.fail();
    // Machine output describes what is known, as when the wait runs out; the explanation goes to stderr.
    if (lastSeen) unfinished?.(lastSeen, true);
    // English reads "while creating …": the sentence goes on from the progress title, which starts with a capital.
    const doing = currentLanguage() === 'en' ? `${what.charAt(0).toLowerCase()}${what.slice(1)}` : what;
    writeStyled(ctx.streams.err, [{ style: 'warn', text: t('cli.progress.interrupted', { signal, what: doing }) }]);
  });
  let result: T;
  try {
    // The wait ends when --timeout runs out for the command as a whole, not only for its waiting.
    const bounded = wait ? { ...wait, deadline: wait.deadline ?? ctx.deadlineAt() } : undefined;
    result = await op(bounded && progress ? waitOptions(bounded, ctx.pollIntervalMs(), onProgress, ctx.readFailureLimitMs()) : undefined);
  } catch (err) {
    progress?.fail();
    // The wait ran out (or the status stayed unreadable) after UCloud accepted the request: the operation goes on.
    if (err instanceof UserError && err.kind === 'timeout') unfinished?.(lastSeen, false);
    throw err;
  } finally {
    unregister();
  }
  if (result.finished) progress?.succeed(doneText);
  else progress?.fail();
  if (result.recoveredFrom) ctx.warn(t('cli.progress.recovered', { reason: result.recoveredFrom }));
  return result;
}

/**
 * The object of an image operation still running when the wait ended (see runOperation's `unfinished`): it joins the
 * command's list, printed when the command ends; interrupted, the command ends here, so the list is printed now.
 */
export function reportUnfinished(ctx: Context, output: OutputFormat, views: unknown[], view: unknown, name: string, interrupted: boolean): void {
  views.push(view);
  if (output === 'name') ctx.out.write(`${name}\n`);
  if (interrupted) printMachine(ctx.out, output, listObject(views));
}

/**
 * Queues behind an operation in progress (UCloud runs one per cluster at a time), with progress saying what it waits
 * for. Without --wait it returns at once and the command's own checks refuse, as they always did.
 */
export async function waitForTurn(
  ctx: Context,
  api: AccelerationApi,
  state: AccelerationState,
  wait: WaitSettings | undefined,
): Promise<{ state: AccelerationState; waited: boolean }> {
  if (!wait || settled(state)) return { state, waited: false };
  const progress = await startProgress(ctx.streams, t('cli.progress.waitingFor', { reason: busyReason(state) }));
  const unregister = onInterrupt((signal) => {
    progress.fail();
    writeStyled(ctx.streams.err, [{ style: 'warn', text: t('cli.progress.turnInterrupted', { signal }) }]);
  });
  let result: { state: AccelerationState; waited: boolean };
  try {
    result = await waitUntilSettled(api, state, waitOptions(wait, ctx.pollIntervalMs(), progress.onProgress, ctx.readFailureLimitMs()));
  } catch (err) {
    progress.fail();
    throw err;
  } finally {
    unregister();
  }
  progress.succeed(t('cli.progress.turnCame'));
  return result;
}
