import type { Argv } from 'yargs';
import { invalid } from '../../lib/errors.ts';
import { parseImageReference } from '../../lib/image/reference.ts';
import { checkDelete, deleteAcceleration } from '../../lib/operations.ts';
import { bool, parseDryRun, parseWait, str, type Args, type DryRun, type WaitSettings } from '../args.ts';
import type { Context } from '../context.ts';
import { guardInUse, reportGuardDryRun } from '../inuse.ts';
import { parseOutputFormat, printMachine, type OutputFormat } from '../output.ts';
import { runOperation } from '../progress.ts';
import { statusView } from '../views.ts';

export function builder(y: Argv): Argv {
  return y
    .positional('IMAGE', { type: 'string', describe: 'Original or target image of the acceleration' })
    .option('force', { type: 'boolean', describe: 'Delete even while the target image is in use or the check could not see everything (Pods using it get IO errors)' })
    .option('wait', { type: 'boolean', default: true, describe: 'Wait until the deletion finishes (--no-wait returns at once)' })
    .option('timeout', { type: 'string', default: '10m', describe: 'How long to wait (0 = no limit)' })
    .option('dry-run', { type: 'string', describe: 'none|client: client runs every check, shows what would happen (exit 3 if it would be refused) and deletes nothing' })
    .option('output', { alias: 'o', type: 'string', describe: 'Output format: json|yaml' });
}

export interface DeleteOptions {
  readonly image: string;
  readonly force: boolean;
  readonly wait: WaitSettings | undefined;
  readonly dryRun: DryRun;
  readonly output: OutputFormat;
}

export function validate(args: Args): DeleteOptions {
  const image = str(args, 'IMAGE') ?? '';
  if (image === '') throw invalid('IMAGE is required');
  parseImageReference(image);
  return {
    image,
    force: bool(args, 'force'),
    wait: parseWait(args, '10m'),
    dryRun: parseDryRun(str(args, 'dry-run'), false),
    output: parseOutputFormat(str(args, 'output'), ['table', 'json', 'yaml']),
  };
}

export async function run(o: DeleteOptions, ctx: Context): Promise<number> {
  const api = await ctx.ucloud();
  const before = await api.get();
  const found = checkDelete(before, o.image);
  const outcome = await guardInUse(ctx, [found.targetImage], `delete the acceleration of ${found.originalImage}`, o.force);
  if (o.dryRun === 'client') return reportGuardDryRun(ctx, outcome, `deleting the acceleration of ${found.originalImage} (target ${found.targetImage})`);
  if (!outcome.proceed) throw outcome.refusal;
  // The scan takes a while on a big cluster: check again that no other operation started (or deleted it) meanwhile.
  const current = await api.get();
  checkDelete(current, o.image);
  if (outcome.forced) ctx.warn('deleting anyway (--force): Pods still using the target image will get IO errors');
  const result = await runOperation(ctx, `Deleting the acceleration of ${found.originalImage}`, 'acceleration deleted', o.wait, (wait) => deleteAcceleration(api, found, current, wait));
  if (printMachine(ctx.out, o.output, statusView(result.state))) return 0;
  if (!result.finished) {
    ctx.out.write(`deletion of the acceleration of ${found.originalImage} started (status ${result.state.status})\n`);
    return 0;
  }
  ctx.out.write(`acceleration of ${found.originalImage} deleted (${found.targetImage} is gone)\n`);
  return 0;
}
