import type { Argv } from 'yargs';
import { defaultTargetImage, parseImageReference, sameImage } from '../../lib/image/reference.ts';
import { invalid } from '../../lib/errors.ts';
import { checkCreate, createAcceleration, findByOriginal } from '../../lib/operations.ts';
import { humanBytes, parseOutputFormat, printMachine, type OutputFormat } from '../output.ts';
import { parseDryRun, parseWait, str, type Args, type DryRun, type WaitSettings } from '../args.ts';
import type { Context } from '../context.ts';
import { runOperation } from '../progress.ts';
import { imageView, statusView } from '../views.ts';

export function builder(y: Argv): Argv {
  return y
    .positional('ORIGINAL', { type: 'string', describe: 'The image to accelerate, e.g. uhub.service.ucloud.cn/team/app:v1' })
    .positional('TARGET', { type: 'string', describe: 'The accelerated image to publish (default: ORIGINAL with tag + "-acc")' })
    .option('wait', { type: 'boolean', default: true, describe: 'Wait until the acceleration is Ready (--no-wait returns at once)' })
    .option('timeout', { type: 'string', describe: 'How long to wait, e.g. 90s, 10m, 1h (0 = no limit)', default: '30m' })
    .option('dry-run', { type: 'string', describe: 'none|client: client reads the status and runs every check but creates nothing' })
    .option('output', { alias: 'o', type: 'string', describe: 'Output format: json|yaml|name' })
    .example('$0 create uhub.service.ucloud.cn/team/app:v1', 'Publishes uhub.service.ucloud.cn/team/app:v1-acc')
    .example('$0 create team/app:v1 team/app:fast --no-wait', 'Explicit target; return immediately');
}

export interface CreateOptions {
  readonly originalImage: string;
  readonly targetImage: string;
  readonly wait: WaitSettings | undefined;
  readonly dryRun: DryRun;
  readonly output: OutputFormat;
}

export function validate(args: Args): CreateOptions {
  const original = str(args, 'ORIGINAL') ?? '';
  if (original === '') throw invalid('ORIGINAL image is required');
  const originalRef = parseImageReference(original);
  let target = str(args, 'TARGET');
  if (target === undefined || target === '') {
    if (!originalRef.tag && originalRef.digest) {
      throw invalid(`${original} is pinned by digest only, so no target image can be derived from its tag: name one, e.g. \`kubectl uimgacc create ${original} REPO:TAG-acc\``);
    }
    target = defaultTargetImage(original);
  }
  const targetRef = parseImageReference(target);
  if (targetRef.digest) throw invalid(`target image ${target} must be a tag, not a digest: UCloud publishes it under that tag`);
  if (sameImage(originalRef, targetRef)) throw invalid(`target image ${target} is the original image; pick another tag (default: tag + "-acc")`);
  return {
    originalImage: original,
    targetImage: target,
    wait: parseWait(args, '30m'),
    dryRun: parseDryRun(str(args, 'dry-run'), false),
    output: parseOutputFormat(str(args, 'output'), ['table', 'json', 'yaml', 'name']),
  };
}

export async function run(o: CreateOptions, ctx: Context): Promise<number> {
  const api = await ctx.ucloud();
  const req = { originalImage: o.originalImage, targetImage: o.targetImage };
  if (o.dryRun === 'client') {
    checkCreate(await api.get(), req);
    ctx.out.write(`acceleration of ${o.originalImage} as ${o.targetImage} would be created (dry run)\n`);
    return 0;
  }
  const result = await runOperation(ctx, `Accelerating ${o.originalImage} as ${o.targetImage}`, `${o.originalImage} accelerated`, o.wait, (wait) => createAcceleration(api, req, wait));
  const image = findByOriginal(result.state.images, o.originalImage);
  if (printMachine(ctx.out, o.output, image ? imageView(result.state, image) : statusView(result.state))) return 0;
  if (o.output === 'name') {
    ctx.out.write(`${o.targetImage}\n`);
    return 0;
  }
  if (!result.finished) {
    ctx.out.write(`acceleration of ${o.originalImage} as ${o.targetImage} started (status ${result.state.status}); follow it with \`kubectl uimgacc status --watch\`\n`);
    return 0;
  }
  const detail = image ? ` (${humanBytes(image.sizeBytes)}, ${image.layers} layers)` : '';
  ctx.out.write(`acceleration of ${o.originalImage} is Ready: use ${o.targetImage}${detail}\n`);
  ctx.out.write(`next: \`kubectl uimgacc patch deploy/NAME\` moves a workload onto it\n`);
  return 0;
}
