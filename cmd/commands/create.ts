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
import { safeField, writeStyled } from '../safe-text.ts';
import { t } from '../../lib/i18n/index.ts';

export function builder(y: Argv): Argv {
  return y
    .positional('IMAGE', { type: 'string', array: true, describe: t('operation.create.describe.image') })
    .option('filename', { alias: 'f', type: 'string', describe: t('operation.create.describe.filename') })
    .option('from', { type: 'string', describe: t('operation.create.describe.from') })
    .option('wait', { type: 'boolean', default: true, describe: t('operation.create.describe.wait') })
    .option('timeout', { type: 'string', describe: t('operation.create.describe.timeout'), default: '30m' })
    .option('dry-run', { type: 'string', describe: t('operation.create.describe.dryRun') })
    .option('output', { alias: 'o', type: 'string', describe: t('operation.create.describe.output') })
    .example('$0 create uhub.service.ucloud.cn/team/app:v1', t('operation.create.example.one', { target: 'uhub.service.ucloud.cn/team/app:v1-acc' }))
    .example('$0 create uhub.service.ucloud.cn/team/app:v1=uhub.service.ucloud.cn/team/app:fast --no-wait', t('operation.create.example.pair'))
    .example('$0 create uhub.service.ucloud.cn/team/a:1 uhub.service.ucloud.cn/team/b:2', t('operation.create.example.two'))
    .example('$0 create -f images.txt', t('operation.create.example.file'))
    .example('$0 create --from deploy/web -n shop', t('operation.create.example.from'));
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
  if (file === '') throw invalid(t('operation.create.fileNameMissing'));
  const fromText = str(args, 'from');
  let from: FromWorkload | undefined;
  if (fromText !== undefined) {
    const [type, name, ...rest] = fromText.split('/');
    if (!type || !name || rest.length > 0) throw invalid(t('operation.create.fromInvalid', { from: fromText }));
    from = { info: resolveTemplateType(type), name };
  }
  if (requests.length === 0 && file === undefined && from === undefined) {
    throw invalid(t('operation.create.nothingNamed'));
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
  const workloadName = `${from.info.kind.toLowerCase()}/${from.name}`;
  await ctx.requireSameCluster({ what: t('operation.create.what.from', { workload: workloadName }), refuseUnknown: false, force: false });
  const workload = await readWorkload(ctx.kube, from.info, ctx.kube.namespace, from.name);
  const { state } = await waitForTurn(ctx, api, await api.get(), o.wait);
  requireEnabled(state);
  requireImagesKnown(state);
  const plan = imagesToAccelerate(from.info, workload, state.images);
  for (const s of plan.skipped) ctx.streams.err.write(`${t('common.itemError', { item: s.image, message: s.reason })}\n`);
  return plan.requests;
}

export async function run(o: CreateOptions, ctx: Context): Promise<number> {
  const api = await ctx.ucloud();
  const wait = withDeadline(o.wait);
  const requests = [...o.requests];
  // Everything is read and checked before the first request is sent: a bad line 7 must not leave 6 images half done.
  if (o.file !== undefined) requests.push(...parseImageList(await ctx.readInput(o.file), o.file === '-' ? t('operation.create.stdin') : o.file));
  // A dry run reports on the status as it is: it never waits.
  if (o.from) requests.push(...(await fromWorkload(ctx, api, { ...o, wait: o.dryRun === 'client' ? undefined : wait }, o.from)));
  else await ctx.warnIfOtherCluster();
  requireDistinctOriginals(requests);
  if (requests.length === 0) {
    ctx.streams.err.write(`${t('operation.create.nothingToDo')}\n`);
    return 0;
  }
  if (o.dryRun === 'client') return dryRun(ctx, api, requests, o.output);

  const views: unknown[] = [];
  let readyAny = false;
  const code = await forEach(ctx, requests, (r) => r.originalImage, wait, async (req) => {
    // Queued behind an operation in progress (the previous image's, or someone else's), then checked afresh.
    const { state } = await waitForTurn(ctx, api, await api.get(), wait);
    checkCreate(state, req);
    requireTimeLeft(wait?.deadline, t('operation.create.timeLeft', { image: req.originalImage }));
    const names = { original: req.originalImage, target: req.targetImage };
    const result = await runOperation(ctx, t('operation.create.progress', names), t('operation.create.progressDone', names), wait, (w) =>
      createAcceleration(api, req, state, w),
    (last, interrupted) => reportUnfinished(ctx, o.output, views, acceleratedImageObject(last ?? state, req, 'Creating'), safeField(req.originalImage), interrupted));
    const image = findByOriginal(result.state.images, req.originalImage);
    // The same object whether it waited or not: only its status (and, once listed, its size) differ.
    views.push(acceleratedImageObject(result.state, image ?? req, image ? 'Ready' : result.state.status === 'CreateError' ? 'CreateError' : 'Creating'));
    // The name of an acceleration is its original image, as `list -o name` prints it and `delete` takes it.
    if (o.output === 'name') ctx.out.write(`${safeField(req.originalImage)}\n`);
    else if (o.output !== 'table') return 0;
    else if (!result.finished) {
      writeStyled(ctx.out, [{ style: 'progress', text: t('operation.create.started', { ...names, status: result.state.status }) }, '\n']);
    } else {
      readyAny = true;
      const ready = image ? t('operation.create.readySized', { ...names, size: humanBytes(image.sizeBytes), layers: image.layers }) : t('operation.create.ready', names);
      writeStyled(ctx.out, [{ style: 'ok', text: ready }, '\n']);
    }
    return 0;
  });
  if (views.length) printMachine(ctx.out, o.output, listObject(views));
  if (readyAny) ctx.out.write(`${t('operation.create.next')}\n`);
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
    else if (output === 'table') ctx.out.write(`${text}\n`);
  };
  let code = 0;
  if (!settled(state)) {
    const reason = busyReason(state);
    for (const req of requests) report(req, t('operation.create.dryRunAfterWait', { original: req.originalImage, target: req.targetImage, reason }));
  } else {
    code = await forEach(ctx, requests, (r) => r.originalImage, undefined, async (req) => {
      checkCreate(state, req);
      report(req, t('operation.create.dryRun', { original: req.originalImage, target: req.targetImage }));
      return 0;
    });
  }
  if (wouldBe.length) printMachine(ctx.out, output, listObject(wouldBe));
  return code;
}
