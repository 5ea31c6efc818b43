import type { Argv } from 'yargs';
import { invalid } from '../../lib/errors.ts';
import { parseCreateSpec, parseImageList, requireDistinctOriginals, type ImagePair } from '../../lib/image/pair.ts';
import { busyReason, checkCreate, requireTimeLeft, createAcceleration, findByOriginal, requireEnabled, requireImagesKnown, settled } from '../../lib/operations.ts';
import type { AccelerationApi } from '../../lib/ucloud/acceleration.ts';
import { resolveTemplateType, type TemplateKindInfo } from '../../lib/workload/kinds.ts';
import { readWorkload } from '../../lib/workload/resolve.ts';
import { imagesToAccelerate } from '../../lib/workload/images.ts';
import { humanBytes, parseOutputFormat, printMachine, type OutputFormat } from '../output.ts';
import { parseDryRun, parseWait, str, strings, withDeadline, type Args, type DryRun, type WaitSettings } from '../args.ts';
import type { Context } from '../context.ts';
import { forEach } from '../each.ts';
import { reportUnfinished, runOperation, waitForTurn } from '../progress.ts';
import { acceleratedImageObject, listObject } from '../views.ts';
import { safeField } from '../safe-text.ts';

export function builder(y: Argv): Argv {
  return y
    .positional('IMAGE', {
      type: 'string',
      array: true,
      describe: 'ORIGINAL (target: its tag + "-acc") or ORIGINAL=TARGET; several are accelerated one after another',
    })
    .option('filename', { alias: 'f', type: 'string', describe: 'Read the images from FILE, one per line as IMAGE above (- = standard input; # starts a comment)' })
    .option('from', { type: 'string', describe: 'TYPE/NAME: accelerate the images this workload (in -n) uses that are not accelerated yet (deploy, sts, ds, rs, rc, cj, job, pod)' })
    .option('wait', { type: 'boolean', default: true, describe: 'Wait for an operation in progress, then until each acceleration is Ready (--no-wait returns at once, and refuses while another operation runs)' })
    .option('timeout', { type: 'string', describe: 'How long the whole command may wait, e.g. 90s, 10m, 1h (0 = no limit)', default: '30m' })
    .option('dry-run', { type: 'string', describe: 'none|client: client reads the status and runs every check but creates nothing' })
    .option('output', { alias: 'o', type: 'string', describe: 'Output format: json|yaml|name' })
    .example('$0 create uhub.service.ucloud.cn/team/app:v1', 'Publishes uhub.service.ucloud.cn/team/app:v1-acc')
    .example('$0 create uhub.service.ucloud.cn/team/app:v1=uhub.service.ucloud.cn/team/app:fast --no-wait', 'Explicit target; return immediately')
    .example('$0 create uhub.service.ucloud.cn/team/a:1 uhub.service.ucloud.cn/team/b:2', 'Two images, one after another')
    .example('$0 create -f images.txt', 'One image per line')
    .example('$0 create --from deploy/web -n shop', 'Every image of deployment web that is not accelerated yet');
}

/** The workload of --from: any kind with a pod template. */
export interface FromWorkload {
  readonly info: TemplateKindInfo;
  readonly name: string;
}

export interface CreateOptions {
  readonly requests: readonly ImagePair[];
  readonly file: string | undefined;
  readonly from: FromWorkload | undefined;
  readonly wait: WaitSettings | undefined;
  readonly dryRun: DryRun;
  readonly output: OutputFormat;
}

export function validate(args: Args): CreateOptions {
  const requests = strings(args, 'IMAGE').map(parseCreateSpec);
  const file = str(args, 'filename');
  if (file === '') throw invalid('-f needs a file name (- for standard input)');
  const fromText = str(args, 'from');
  let from: FromWorkload | undefined;
  if (fromText !== undefined) {
    const [type, name, ...rest] = fromText.split('/');
    if (!type || !name || rest.length > 0) throw invalid(`invalid --from "${fromText}": use TYPE/NAME, e.g. deploy/web`);
    from = { info: resolveTemplateType(type), name };
  }
  if (requests.length === 0 && file === undefined && from === undefined) {
    throw invalid('name the images to accelerate: IMAGE ..., -f FILE or --from TYPE/NAME');
  }
  requireDistinctOriginals(requests);
  return {
    requests,
    file,
    from,
    wait: parseWait(args, '30m'),
    dryRun: parseDryRun(str(args, 'dry-run'), false),
    output: parseOutputFormat(str(args, 'output'), ['table', 'json', 'yaml', 'name']),
  };
}

/** The images of --from that are not accelerated yet, read once the cluster is settled enough to list them. */
async function fromWorkload(ctx: Context, api: AccelerationApi, o: CreateOptions, from: FromWorkload): Promise<ImagePair[]> {
  // The workload is read from the context's cluster: its images are only worth accelerating on that cluster.
  await ctx.requireSameCluster({ what: `accelerate the images of ${from.info.kind.toLowerCase()}/${from.name}`, refuseUnknown: false, force: false });
  const workload = await readWorkload(ctx.kube, from.info, ctx.kube.namespace, from.name);
  const { state } = await waitForTurn(ctx, api, await api.get(), o.wait);
  requireEnabled(state);
  requireImagesKnown(state);
  const plan = imagesToAccelerate(from.info, workload, state.images);
  for (const s of plan.skipped) ctx.streams.err.write(`${s.image}: ${s.reason}\n`);
  return plan.requests;
}

export async function run(o: CreateOptions, ctx: Context): Promise<number> {
  const api = await ctx.ucloud();
  const wait = withDeadline(o.wait);
  const requests = [...o.requests];
  // Everything is read and checked before the first request is sent: a bad line 7 must not leave 6 images half done.
  if (o.file !== undefined) requests.push(...parseImageList(await ctx.readInput(o.file), o.file === '-' ? 'standard input' : o.file));
  // A dry run reports on the status as it is: it never waits.
  if (o.from) requests.push(...(await fromWorkload(ctx, api, { ...o, wait: o.dryRun === 'client' ? undefined : wait }, o.from)));
  else await ctx.warnIfOtherCluster();
  requireDistinctOriginals(requests);
  if (requests.length === 0) {
    ctx.streams.err.write('Nothing to accelerate: every image is accelerated already.\n');
    return 0;
  }
  if (o.dryRun === 'client') return dryRun(ctx, api, requests, o.output);

  const views: unknown[] = [];
  let readyAny = false;
  const code = await forEach(ctx, requests, (r) => r.originalImage, wait, async (req) => {
    // Queued behind an operation in progress (the previous image's, or someone else's), then checked afresh.
    const { state } = await waitForTurn(ctx, api, await api.get(), wait);
    checkCreate(state, req);
    requireTimeLeft(wait?.deadline, `the acceleration of ${req.originalImage}`);
    const result = await runOperation(ctx, `Accelerating ${req.originalImage} as ${req.targetImage}`, `${req.originalImage} accelerated`, wait, (w) =>
      createAcceleration(api, req, state, w),
    (last, interrupted) => reportUnfinished(ctx, o.output, views, acceleratedImageObject(last ?? state, req, 'Creating'), safeField(req.originalImage), interrupted));
    const image = findByOriginal(result.state.images, req.originalImage);
    // The same object whether it waited or not: only its status (and, once listed, its size) differ.
    views.push(acceleratedImageObject(result.state, image ?? req, image ? 'Ready' : result.state.status === 'CreateError' ? 'CreateError' : 'Creating'));
    // The name of an acceleration is its original image, as `list -o name` prints it and `delete` takes it.
    if (o.output === 'name') ctx.out.write(`${safeField(req.originalImage)}\n`);
    else if (o.output !== 'table') return 0;
    else if (!result.finished) {
      ctx.out.write(`acceleration of ${req.originalImage} as ${req.targetImage} started (status ${result.state.status}); follow it with \`kubectl uimgacc status --watch\`\n`);
    } else {
      readyAny = true;
      const detail = image ? ` (${humanBytes(image.sizeBytes)}, ${image.layers} layers)` : '';
      ctx.out.write(`acceleration of ${req.originalImage} is Ready: use ${req.targetImage}${detail}\n`);
    }
    return 0;
  });
  if (views.length) printMachine(ctx.out, o.output, listObject(views));
  if (readyAny) ctx.out.write('next: `kubectl uimgacc patch deploy/NAME` moves a workload onto it\n');
  return code;
}

/**
 * Every check against the current status, nothing sent; when an operation runs, says the real run would wait. With
 * -o json|yaml|name it prints what the real run would: each image as it would be right after the request.
 */
async function dryRun(ctx: Context, api: AccelerationApi, requests: readonly ImagePair[], output: OutputFormat): Promise<number> {
  const state = await api.get();
  const wouldBe: unknown[] = [];
  const report = (req: ImagePair, text: string): void => {
    wouldBe.push(acceleratedImageObject(state, req, 'Creating', { dryRun: true }));
    if (output === 'name') ctx.out.write(`${safeField(req.originalImage)}\n`);
    else if (output === 'table') ctx.out.write(text);
  };
  let code = 0;
  if (!settled(state)) {
    for (const req of requests) report(req, `acceleration of ${req.originalImage} as ${req.targetImage} would be created after waiting for ${busyReason(state)} (dry run)\n`);
  } else {
    code = await forEach(ctx, requests, (r) => r.originalImage, undefined, async (req) => {
      checkCreate(state, req);
      report(req, `acceleration of ${req.originalImage} as ${req.targetImage} would be created (dry run)\n`);
      return 0;
    });
  }
  if (wouldBe.length) printMachine(ctx.out, output, listObject(wouldBe));
  return code;
}
