import type { Argv } from 'yargs';
import { invalid, refused } from '../../lib/errors.ts';
import { parseImageReference } from '../../lib/image/reference.ts';
import { checkDelete, deleteAcceleration } from '../../lib/operations.ts';
import { bool, parseDryRun, parseWait, str, waitOptions, type Args, type DryRun, type WaitSettings } from '../args.ts';
import type { Context } from '../context.ts';
import { parseOutputFormat, printMachine, type OutputFormat } from '../output.ts';
import { startProgress } from '../progress.ts';
import { statusView } from '../views.ts';

export const command = 'delete IMAGE';
export const aliases = ['rm'];
export const describe = 'Delete the acceleration of IMAGE (its original or target image)';

export function builder(y: Argv): Argv {
  return y
    .positional('IMAGE', { type: 'string', describe: 'Original or target image of the acceleration' })
    .option('force', { type: 'boolean', describe: 'Delete even though the in-use check cannot clear it (Pods using the target image get IO errors)' })
    .option('wait', { type: 'boolean', default: true, describe: 'Wait until the deletion finishes (--no-wait returns at once)' })
    .option('timeout', { type: 'string', default: '10m', describe: 'How long to wait (0 = no limit)' })
    .option('dry-run', { type: 'string', describe: 'none|client: client shows what would happen and deletes nothing' })
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
  if (o.dryRun === 'client') {
    ctx.out.write(`acceleration of ${found.originalImage} (target ${found.targetImage}) would be deleted (dry run)\n`);
    return 0;
  }
  if (!o.force) {
    throw refused(
      `refusing to delete the acceleration of ${found.originalImage}: this version cannot yet verify that no Pod uses ${found.targetImage}`,
      'hint: make sure nothing uses the target image, then pass --force',
    );
  }
  ctx.warn(`deleting ${found.targetImage} without checking for users (--force): Pods still using it will get IO errors`);
  const progress = o.wait ? startProgress(ctx.streams, `Deleting the acceleration of ${found.originalImage}`) : undefined;
  let result;
  try {
    result = await deleteAcceleration(api, found, before, o.wait && progress ? waitOptions(o.wait, ctx.pollIntervalMs(), progress.onProgress) : undefined);
  } catch (err) {
    progress?.fail();
    throw err;
  }
  if (result.recoveredFrom) ctx.warn(`${result.recoveredFrom}; the status shows UCloud accepted the request anyway`);
  if (printMachine(ctx.out, o.output, statusView(result.state))) return 0;
  if (!result.finished) {
    ctx.out.write(`deletion of the acceleration of ${found.originalImage} started (status ${result.state.status})\n`);
    return 0;
  }
  progress?.succeed('acceleration deleted');
  ctx.out.write(`acceleration of ${found.originalImage} deleted (${found.targetImage} is gone)\n`);
  return 0;
}
