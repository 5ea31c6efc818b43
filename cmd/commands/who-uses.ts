import type { Argv } from 'yargs';
import { invalid } from '../../lib/errors.ts';
import { parseImageReference } from '../../lib/image/reference.ts';
import { scanImageUses } from '../../lib/inuse/scan.ts';
import { findAcceleration, requireImagesKnown } from '../../lib/operations.ts';
import { bool, str, type Args } from '../args.ts';
import type { Context } from '../context.ts';
import { parseOutputFormat, printMachine, type OutputFormat } from '../output.ts';
import { API_VERSION, unseenLines, usesTable } from '../views.ts';

export const command = 'who-uses [IMAGE]';
export const aliases = ['usage'];
export const describe = 'List the Pods and workloads that use a target image (IMAGE, original or target), or every accelerated image';

export function builder(y: Argv): Argv {
  return y
    .positional('IMAGE', { type: 'string', describe: 'Original or target image; default: all accelerated images' })
    .option('all-namespaces', { alias: 'A', type: 'boolean', describe: 'Look in all namespaces (default: the current namespace, or -n)' })
    .option('output', { alias: 'o', type: 'string', describe: 'Output format: json|yaml|wide' })
    .example('$0 who-uses uhub.service.ucloud.cn/team/app:v1 -A', 'Everything, in every namespace, that uses team/app:v1-acc')
    .example('$0 usage -n web -o json', 'Users of all accelerated images in namespace web');
}

export interface WhoUsesOptions {
  readonly image: string | undefined;
  readonly allNamespaces: boolean;
  readonly output: OutputFormat;
}

export function validate(args: Args): WhoUsesOptions {
  const image = str(args, 'IMAGE');
  if (image !== undefined) parseImageReference(image);
  const allNamespaces = bool(args, 'all-namespaces');
  if (allNamespaces && str(args, 'namespace')) throw invalid('--all-namespaces and --namespace cannot be used together');
  return { image, allNamespaces, output: parseOutputFormat(str(args, 'output'), ['table', 'json', 'yaml', 'wide']) };
}

export async function run(o: WhoUsesOptions, ctx: Context): Promise<number> {
  const api = await ctx.ucloud();
  const state = await api.get();
  let targets: string[];
  if (o.image) {
    // A known acceleration is looked up by original or target; any other image is searched for as given.
    const found = state.imagesKnown ? findAcceleration(state.images, o.image) : undefined;
    targets = [found ? found.targetImage : o.image];
    if (!found) ctx.debug(1, `${o.image} is not an accelerated image${state.imagesKnown ? '' : ' (the list is not available)'}: looking for it as given`);
  } else {
    requireImagesKnown(state);
    targets = state.images.map((i) => i.targetImage);
  }
  const namespace = o.allNamespaces ? undefined : ctx.kube.namespace;
  const scan = targets.length ? await scanImageUses(ctx.kube, targets, { namespace }) : { uses: [], unseen: [], scanned: {} };
  if (printMachine(ctx.out, o.output, { apiVersion: API_VERSION, kind: 'ImageUsage', targets, scope: namespace ?? 'all namespaces', items: scan.uses, unseen: scan.unseen })) return 0;
  if (scan.uses.length > 0) ctx.out.write(usesTable(scan.uses, o.output === 'wide'));
  else ctx.streams.err.write(`Nothing uses ${targets.length === 1 ? targets[0] : 'the accelerated images'} in ${namespace ? `namespace ${namespace}` : 'any namespace'}.\n`);
  if (namespace) ctx.streams.err.write(`(namespace ${namespace} only; -A looks in all namespaces)\n`);
  if (scan.unseen.length > 0) {
    ctx.warn('the scan could not see:');
    for (const line of unseenLines(scan.unseen)) ctx.streams.err.write(`${line}\n`);
  }
  return 0;
}
