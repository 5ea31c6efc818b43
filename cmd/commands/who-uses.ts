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
import { safeField, writeStyled } from '../safe-text.ts';
import { t } from '../../lib/i18n/index.ts';
import { parseOutputFormat, printMachine, type OutputFormat } from '../output.ts';
import { unseenLines, usesStyledTable } from '../views.ts';

export function builder(y: Argv): Argv {
  return y
    .positional('IMAGE', { type: 'string', describe: t('workload.flag.image.whoUses') })
    .option('all-namespaces', { alias: 'A', type: 'boolean', describe: t('workload.flag.allNamespaces') })
    .option('output', { alias: 'o', type: 'string', describe: t('workload.flag.output.whoUses') })
    .example('$0 who-uses uhub.service.ucloud.cn/team/app:v1', t('workload.example.whoUses', { image: 'uhub.service.ucloud.cn/team/app:v1' }))
    .example('$0 usage -n web -o json', t('workload.example.whoUsesJson'));
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
  if (bool(args, 'all-namespaces') && namespace !== undefined) throw invalid(t('workload.error.namespaceAndAll'));
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
  await ctx.requireSameCluster({ what: t('workload.identity.whoUses'), refuseUnknown: false, force: false });
  const state = await api.get();
  let targets: string[];
  if (o.image) {
    // A known acceleration is looked up by original or target; any other image is searched for as given.
    const found = state.imagesKnown ? findAcceleration(state.images, o.image) : undefined;
    targets = [found ? found.targetImage : o.image];
    if (!found) ctx.debug(1, t(state.imagesKnown ? 'workload.debug.notAccelerated' : 'workload.debug.notAcceleratedNoList', { image: o.image }));
  } else {
    requireImagesKnown(state);
    targets = state.images.map((i) => i.targetImage);
  }
  // Unlike kubectl get, all namespaces by default: "who uses it?" is asked before deleting, which is cluster-wide.
  const scope = o.namespace === undefined ? t('workload.whoUses.scopeAll') : t('workload.whoUses.scopeNamespace', { namespace: o.namespace });
  let scan: ScanResult;
  /** Why nothing could be read: in the user's language for the warning (the report's `unseen` keeps English). */
  let unreadable: string | undefined;
  try {
    scan = targets.length ? await scanImageUses(ctx.kube, targets, { namespace: o.namespace }) : emptyScanResult();
  } catch (err) {
    if (!(err instanceof UserError) && !isKubeError(err)) throw err;
    // Nothing could be seen: every kind is unseen, for the same reason, and the answer is "unknown", never "nothing".
    unreadable = err instanceof UserError ? err.message : describeKubeError(err, ctx.kube.serverUrl(), t);
    scan = unreadableScan(err instanceof UserError ? err.message : describeKubeError(err, ctx.kube.serverUrl()), o.namespace ?? ALL_NAMESPACES);
  }
  const complete = scan.unseen.length === 0;
  const code = complete ? EXIT.ok : EXIT.unverified;
  const report = usageReport(targets, scan, o.namespace ?? ALL_NAMESPACES);
  if (o.output === 'name') {
    ctx.out.write(useNames(scan.uses).map((n) => `${n}\n`).join(''));
    if (!complete) {
      ctx.warn(t('workload.whoUses.incomplete', { n: scan.unseen.length }));
      writeUnseen(ctx, scan);
    }
    return code;
  }
  if (printMachine(ctx.out, o.output, report)) {
    if (!complete) ctx.warn(t('workload.whoUses.incompleteMachine', { n: scan.unseen.length }));
    return code;
  }
  const one = targets.length === 1 ? safeField(targets[0] as string) : undefined;
  if (scan.uses.length > 0) {
    writeStyled(ctx.out, usesStyledTable(scan.uses, o.output === 'wide' || targets.length > 1));
    // A partial scan names no scope: "in all namespaces" would claim what it did not see.
    const summary = summarizeUses(scan.uses, one, { several: one === undefined });
    ctx.streams.err.write(`${complete ? t('workload.whoUses.summary', { summary, scope }) : t('workload.whoUses.summaryPartial', { summary })}\n`);
  } else if (complete) {
    const nothing = one !== undefined ? t('workload.whoUses.nothing', { image: one, scope }) : t(targets.length ? 'workload.whoUses.nothingMany' : 'workload.whoUses.nothingNoImages', { scope });
    ctx.streams.err.write(`${nothing}\n`);
  } else {
    ctx.streams.err.write(`${one !== undefined ? t('workload.whoUses.nothingPartial', { image: one }) : t('workload.whoUses.nothingPartialMany')}\n`);
  }
  if (o.namespace !== undefined) ctx.streams.err.write(`${t('workload.whoUses.namespaceOnly', { namespace: o.namespace })}\n`);
  if (unreadable !== undefined) {
    ctx.warn(t('workload.whoUses.unreadable', { reason: unreadable }));
  } else if (!complete) {
    ctx.warn(t('workload.whoUses.unseen'));
    writeUnseen(ctx, scan);
  }
  return code;
}

/** What the scan could not see, one line per kind, and how to get a complete answer. */
function writeUnseen(ctx: Context, scan: ScanResult): void {
  for (const line of unseenLines(scan.unseen)) ctx.streams.err.write(`${line}\n`);
  ctx.streams.err.write(`${t('workload.hint.unseen')}\n`);
}
