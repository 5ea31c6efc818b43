import yoctoSpinner, { type Spinner } from 'yocto-spinner';
import type { Progress, WaitOptions } from '../lib/operations.ts';
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
  let result: T;
  try {
    // The wait gets what is left of --timeout: the command as a whole is bounded, not only its waiting.
    const bounded = wait ? { timeoutMs: ctx.remainingMs() ?? wait.timeoutMs } : undefined;
    result = await op(bounded && progress ? waitOptions(bounded, ctx.pollIntervalMs(), progress.onProgress) : undefined);
  } catch (err) {
    progress?.fail();
    throw err;
  }
  if (result.finished) progress?.succeed(doneText);
  else progress?.fail();
  if (result.recoveredFrom) ctx.warn(`${result.recoveredFrom}; the status shows UCloud accepted the request anyway`);
  return result;
}
