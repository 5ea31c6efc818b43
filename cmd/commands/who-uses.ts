import type { Argv } from 'yargs';
import { parseImageReference } from '../../lib/image/reference.ts';
import { summarizeUses } from '../../lib/inuse/guard.ts';
import { ALL_NAMESPACES, emptyScanResult, scanImageUses, type ImageUse, type ScanResult } from '../../lib/inuse/scan.ts';
import { qualifiedName, templateKindInfo } from '../../lib/workload/kinds.ts';
import { unreadableScan, usageReport } from '../inuse.ts';
import { describeKubeError, isKubeError } from '../../lib/kube/errors.ts';
import { UserError, invalid } from '../../lib/errors.ts';
import { EXIT } from '../errors.ts';
import { findAcceleration, requireImagesKnown } from '../../lib/operations.ts';
import { bool, str, type Args } from '../args.ts';
import type { Context } from '../context.ts';
import { safeField } from '../safe-text.ts';
import { parseOutputFormat, printMachine, type OutputFormat } from '../output.ts';
import { unseenLines, usesTable } from '../views.ts';

export function builder(y: Argv): Argv {
  return y
    .positional('IMAGE', { type: 'string', describe: 'Original or target image; default: every accelerated image' })
    .option('all-namespaces', { alias: 'A', type: 'boolean', describe: 'Look in all namespaces (the default; -n looks in one)' })
    .option('output', { alias: 'o', type: 'string', describe: 'Output format: json|yaml|wide|name (wide adds the target image; name prints kind.group/name per object, as kubectl does)' })
    .example('$0 who-uses uhub.service.ucloud.cn/team/app:v1', 'Everything, in every namespace, that uses the target image of uhub.service.ucloud.cn/team/app:v1')
    .example('$0 usage -n web -o json', 'Users of every accelerated image in namespace web, as JSON');
}

export interface WhoUsesOptions {
  readonly image: string | undefined;
  /** Undefined: all namespaces. */
  readonly namespace: string | undefined;
  readonly output: OutputFormat;
}

export function validate(args: Args): WhoUsesOptions {
  const image = str(args, 'IMAGE');
  if (image !== undefined) parseImageReference(image);
  const namespace = str(args, 'namespace');
  if (bool(args, 'all-namespaces') && namespace !== undefined) throw invalid('--all-namespaces and --namespace cannot be used together');
  return { image, namespace, output: parseOutputFormat(str(args, 'output'), ['table', 'json', 'yaml', 'wide', 'name']) };
}

/**
 * `-o name`: each Pod and workload once (however many of its containers use the image), spelled as `kubectl get -o
 * name` spells it (`pod/web-1`, `deployment.apps/web`), without the namespace even across namespaces, as kubectl
 * does: a script that needs the namespace asks for one (`-n`) or reads `-o json`.
 */
export function useNames(uses: readonly ImageUse[]): string[] {
  const seen = new Set<string>();
  const names: string[] = [];
  for (const u of uses) {
    const name = `${qualifiedName(templateKindInfo(u.kind))}/${u.name}`;
    const key = `${u.namespace}/${name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    names.push(name);
  }
  return names;
}

export async function run(o: WhoUsesOptions, ctx: Context): Promise<number> {
  const api = await ctx.ucloud();
  await ctx.requireSameCluster({ what: 'tell who uses the accelerated images', refuseUnknown: false, force: false });
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
  // Unlike kubectl get, all namespaces by default: "who uses it?" is asked before deleting, which is cluster-wide.
  const scope = o.namespace === undefined ? ALL_NAMESPACES : `namespace ${o.namespace}`;
  let scan: ScanResult;
  let unreadable: string | undefined;
  try {
    scan = targets.length ? await scanImageUses(ctx.kube, targets, { namespace: o.namespace }) : emptyScanResult();
  } catch (err) {
    if (!(err instanceof UserError) && !isKubeError(err)) throw err;
    // Nothing could be seen: every kind is unseen, for the same reason, and the answer is "unknown", never "nothing".
    unreadable = err instanceof UserError ? err.message : describeKubeError(err, ctx.kube.serverUrl());
    scan = unreadableScan(unreadable, o.namespace ?? ALL_NAMESPACES);
  }
  const complete = scan.unseen.length === 0;
  const code = complete ? EXIT.ok : EXIT.unverified;
  const report = usageReport(targets, scan, o.namespace ?? ALL_NAMESPACES);
  if (o.output === 'name') {
    ctx.out.write(useNames(scan.uses).map((n) => `${n}\n`).join(''));
    if (!complete) {
      ctx.warn(`the scan could not see ${scan.unseen.length} kind/namespace combination(s): the list may be incomplete`);
      for (const line of unseenLines(scan.unseen)) ctx.streams.err.write(`${line}\n`);
    }
    return code;
  }
  if (printMachine(ctx.out, o.output, report)) {
    if (!complete) ctx.warn(`the scan could not see ${scan.unseen.length} kind/namespace combination(s) (see "unseen"): the list may be incomplete`);
    return code;
  }
  const what = targets.length === 1 ? safeField(targets[0] as string) : targets.length ? 'the accelerated images' : 'any accelerated image (there are none)';
  if (scan.uses.length > 0) {
    ctx.out.write(usesTable(scan.uses, o.output === 'wide' || targets.length > 1));
    // A partial scan names no scope: "in all namespaces" would claim what it did not see.
    ctx.streams.err.write(`${summarizeUses(scan.uses, what)} (${complete ? `in ${scope}` : 'in what could be listed; more may use it where the scan could not see'}).\n`);
  } else if (complete) {
    ctx.streams.err.write(`Nothing uses ${what} in ${scope}.\n`);
  } else {
    ctx.streams.err.write(`No use of ${what} found in what could be listed, which is not everything: it is unknown whether anything uses it.\n`);
  }
  if (o.namespace !== undefined) ctx.streams.err.write(`(namespace ${o.namespace} only; without -n, who-uses looks in all namespaces)\n`);
  if (unreadable !== undefined) {
    ctx.warn(`the cluster could not be read: ${unreadable}`);
  } else if (!complete) {
    ctx.warn('the scan could not see:');
    for (const line of unseenLines(scan.unseen)) ctx.streams.err.write(`${line}\n`);
  }
  return code;
}
