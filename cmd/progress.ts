import yoctoSpinner, { type Spinner } from 'yocto-spinner';
import type { Progress, WaitOptions } from '../lib/operations.ts';
import { UserError } from '../lib/errors.ts';
import { UCloudCancelledError } from '../lib/ucloud/errors.ts';
import { waitOptions, type WaitSettings } from './args.ts';
import { formatDuration } from '../lib/duration.ts';
import type { Context, Streams } from './context.ts';
import { safeField } from './safe-text.ts';

export interface ProgressDisplay {
  readonly onProgress: (p: Progress) => void;
  succeed(text: string): void;
  fail(): void;
}

function describe(p: Progress): string {
  const s = p.state;
  const parts: string[] = [];
  if (s) {
    parts.push(`status ${s.status}`);
    if (s.enabled && !s.agentReady) parts.push('agent not ready yet');
  }
  if (p.readError) parts.push(`status read failed, retrying: ${p.readError.split('\n')[0] ?? ''}`);
  return parts.join(', ');
}

/** A live spinner on a terminal; elsewhere one plain line on stderr whenever the state changes. */
export function startProgress(streams: Streams, rawWhat: string): ProgressDisplay {
  // The spinner writes to the terminal itself, so what it shows is escaped here (image names come from UCloud).
  const what = safeField(rawWhat);
  if (streams.interactive) {
    const spinner: Spinner = yoctoSpinner({ text: what, stream: streams.terminal ?? streams.err }).start();
    return {
      onProgress: (p) => {
        spinner.text = `${what} (${formatDuration(p.elapsedMs)}, ${safeField(describe(p))})`;
      },
      succeed: (text) => void spinner.success(text),
      fail: () => void spinner.stop(),
    };
  }
  let last = '';
  streams.err.write(`${what}\n`);
  return {
    onProgress: (p) => {
      const line = describe(p);
      if (line !== last) streams.err.write(`  ${line} (${formatDuration(p.elapsedMs)})\n`);
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
): Promise<T> {
  const progress = wait ? startProgress(ctx.streams, what) : undefined;
  // The last state seen while waiting: when --timeout cuts a status read short, it is what is known.
  let last: Progress | undefined;
  const onProgress = (p: Progress): void => {
    last = p;
    progress?.onProgress(p);
  };
  let result: T;
  try {
    // The wait gets what is left of --timeout: the command as a whole is bounded, not only its waiting.
    const bounded = wait ? { timeoutMs: ctx.remainingMs() ?? wait.timeoutMs } : undefined;
    result = await op(bounded && progress ? waitOptions(bounded, ctx.pollIntervalMs(), onProgress) : undefined);
  } catch (err) {
    progress?.fail();
    if (err instanceof UCloudCancelledError && !err.mutating && last !== undefined && ctx.timedOut()) {
      // A status read cut short while following the operation: the operation itself was accepted and goes on.
      throw new UserError(
        'timeout',
        `timed out after ${formatDuration(last.elapsedMs)} waiting for ${what.charAt(0).toLowerCase()}${what.slice(1)}${last.state ? ` (status ${last.state.status})` : ''} (${err.message})`,
        ['hint: the operation may still finish; check with `kubectl uimgacc status`'],
      );
    }
    throw err;
  }
  if (result.finished) progress?.succeed(doneText);
  else progress?.fail();
  if (result.recoveredFrom) ctx.warn(`${result.recoveredFrom}; the status shows UCloud accepted the request anyway`);
  return result;
}
