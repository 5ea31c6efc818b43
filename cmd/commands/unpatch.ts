import type { Argv } from 'yargs';
import { objectName, type NamedTarget } from '../../lib/workload/kinds.ts';
import { unpatchPlanner, type UnpatchPlan } from '../../lib/workload/plan.ts';
import { PATCHED_ANNOTATION } from '../../lib/workload/annotation.ts';
import { readWorkload, resolveTargets } from '../../lib/workload/resolve.ts';
import { containerRef, type Workload } from '../../lib/workload/template.ts';
import { t } from '../../lib/i18n/index.ts';
import { applyPlan } from '../../lib/workload/write.ts';
import type { Args } from '../args.ts';
import type { Context } from '../context.ts';
import { commonOptions, runOnEach, validateCommon, type CommonOptions, type Printed } from './patch.ts';

export function builder(y: Argv): Argv {
  return commonOptions(y, 'unpatch')
    .example('$0 unpatch deploy/web', t('workload.example.unpatch'))
    .example('$0 unpatch deployments --all -n shop', t('workload.example.unpatchAll'));
}

export type UnpatchOptions = CommonOptions;

export function validate(args: Args): UnpatchOptions {
  return validateCommon(args);
}

function describeUnpatch(p: UnpatchPlan): string[] {
  const lines = p.restored.map((c) => t('workload.line.imageChange', { container: containerRef(c.list, c.name), from: c.target, to: c.original }));
  for (const c of p.alreadyOriginal) lines.push(t('workload.line.alreadyOriginal', { container: containerRef(c.list, c.name), image: c.original }));
  if (p.affinityRemoved) lines.push(t('workload.line.affinityRemoved'));
  return lines;
}

export async function run(o: UnpatchOptions, ctx: Context): Promise<number> {
  // unpatch needs nothing from UCloud; but when a UCloud cluster is named, it must be the context's.
  if (await ctx.config.clusterId().then(() => true, () => false)) {
    await ctx.requireSameCluster({ what: t('workload.identity.unpatch'), refuseUnknown: false, force: false });
  }
  const namespace = ctx.kube.namespace;
  const targets = await resolveTargets(ctx.kube, o.targets, namespace);
  if (targets.length === 0) {
    ctx.streams.err.write(`${t('workload.noResources', { namespace })}\n`);
    return 0;
  }
  return (await runOnEach(ctx, o, 'unpatched', targets, (target) => unpatchOne(ctx, o, target, namespace))).code;
}

async function unpatchOne(ctx: Context, o: UnpatchOptions, target: NamedTarget, namespace: string): Promise<Printed | undefined> {
  const name = objectName(target.info, target.name);
  const read = (): Promise<Workload> => readWorkload(ctx.kube, target.info, namespace, target.name);
  let seenPatched = false;
  if (o.targets.mode === 'select') {
    // Selecting many workloads: the ones uimgacc never patched are simply not ours to undo.
    const current = await read();
    if (current.metadata.annotations?.[PATCHED_ANNOTATION] === undefined) {
      ctx.streams.err.write(`${t('workload.result.skipped', { name })}\n`);
      return undefined;
    }
    seenPatched = true;
  }
  const { before, after, plan: p } = await applyPlan(ctx.kube, {
    info: target.info,
    namespace,
    name: target.name,
    dryRun: o.dryRun,
    fieldManager: o.fieldManager,
    plan: unpatchPlanner(target.info, seenPatched),
  });
  if (p.alreadyDone) {
    return { name, changed: false, object: before, before, info: target.info, lines: [], unchangedReason: t('workload.reason.alreadyUnpatched') };
  }
  return { name, changed: true, object: after ?? p.object, before, info: target.info, lines: describeUnpatch(p) };
}
