import type { Argv } from 'yargs';
import { disableAcceleration, requireIdle } from '../../lib/operations.ts';
import { bool, parseDryRun, parseWait, str, waitOptions, type Args, type DryRun, type WaitSettings } from '../args.ts';
import type { Context } from '../context.ts';
import { parseOutputFormat, printMachine, type OutputFormat } from '../output.ts';
import { startProgress } from '../progress.ts';
import { statusView } from '../views.ts';

export const command = 'disable';
export const aliases = [];
export const describe = 'Disable image acceleration on the cluster (every target image stops working)';

export function builder(y: Argv): Argv {
  return y
    .option('force', { type: 'boolean', describe: 'Disable even while target images are in use' })
    .option('wait', { type: 'boolean', default: true, describe: 'Wait until it is disabled (--no-wait returns at once)' })
    .option('timeout', { type: 'string', default: '10m', describe: 'How long to wait (0 = no limit)' })
    .option('dry-run', { type: 'string', describe: 'none|client' })
    .option('output', { alias: 'o', type: 'string', describe: 'Output format: json|yaml' });
}

export interface DisableOptions {
  readonly force: boolean;
  readonly wait: WaitSettings | undefined;
  readonly dryRun: DryRun;
  readonly output: OutputFormat;
}

export function validate(args: Args): DisableOptions {
  return {
    force: bool(args, 'force'),
    wait: parseWait(args, '10m'),
    dryRun: parseDryRun(str(args, 'dry-run'), false),
    output: parseOutputFormat(str(args, 'output'), ['table', 'json', 'yaml']),
  };
}

export async function run(o: DisableOptions, ctx: Context): Promise<number> {
  const api = await ctx.ucloud();
  const before = await api.get();
  if (!before.enabled) {
    if (!printMachine(ctx.out, o.output, statusView(before))) ctx.out.write(`image acceleration is already disabled on cluster ${before.clusterId}\n`);
    return 0;
  }
  requireIdle(before);
  if (o.dryRun === 'client') {
    ctx.out.write(`image acceleration would be disabled on cluster ${before.clusterId} (dry run)\n`);
    return 0;
  }
  const progress = o.wait ? startProgress(ctx.streams, `Disabling image acceleration on ${before.clusterId}`) : undefined;
  let result;
  try {
    result = await disableAcceleration(api, o.wait && progress ? waitOptions(o.wait, ctx.pollIntervalMs(), progress.onProgress) : undefined);
  } catch (err) {
    progress?.fail();
    throw err;
  }
  if (result.recoveredFrom) ctx.warn(`${result.recoveredFrom}; the status shows UCloud accepted the request anyway`);
  if (printMachine(ctx.out, o.output, statusView(result.state))) return 0;
  progress?.succeed('image acceleration disabled');
  ctx.out.write(result.finished ? `image acceleration is disabled on cluster ${before.clusterId}\n` : `image acceleration is being disabled on cluster ${before.clusterId}\n`);
  return 0;
}
