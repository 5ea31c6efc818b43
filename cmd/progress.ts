import type { Spinner } from 'yocto-spinner';
import type { Progress, WaitOptions } from '../lib/operations.ts';
import { waitOptions, type WaitSettings } from './args.ts';
import { formatDuration } from '../lib/duration.ts';
import type { Context, Streams } from './context.ts';

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
export async function startProgress(streams: Streams, what: string): Promise<ProgressDisplay> {
  if (streams.interactive) {
    // Imported here: yocto-spinner decides colour and Unicode support from the environment when it is evaluated, which
    // must happen at run time, not when the single executable's start-up snapshot is built (scripts/sea-entry.ts).
    const { default: yoctoSpinner } = await import('yocto-spinner');
    const spinner: Spinner = yoctoSpinner({ text: what, stream: streams.err }).start();
    return {
      onProgress: (p) => {
        spinner.text = `${what} (${formatDuration(p.elapsedMs)}, ${describe(p)})`;
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
  const progress = wait ? await startProgress(ctx.streams, what) : undefined;
  let result: T;
  try {
    result = await op(wait && progress ? waitOptions(wait, ctx.pollIntervalMs(), progress.onProgress) : undefined);
  } catch (err) {
    progress?.fail();
    throw err;
  }
  if (result.finished) progress?.succeed(doneText);
  else progress?.fail();
  if (result.recoveredFrom) ctx.warn(`${result.recoveredFrom}; the status shows UCloud accepted the request anyway`);
  return result;
}
