import type { Argv } from 'yargs';
import { objectName, type NamedTarget } from '../../lib/workload/kinds.ts';
import { unpatchPlanner, type UnpatchPlan } from '../../lib/workload/plan.ts';
import { PATCHED_ANNOTATION } from '../../lib/workload/annotation.ts';
import { readWorkload, resolveTargets } from '../../lib/workload/resolve.ts';
import type { Workload } from '../../lib/workload/template.ts';
import { applyPlan } from '../../lib/workload/write.ts';
import type { Args } from '../args.ts';
import type { Context } from '../context.ts';
import { commonOptions, runOnEach, validateCommon, type CommonOptions, type Printed } from './patch.ts';

export function builder(y: Argv): Argv {
  return commonOptions(y, 'unpatch')
    .example('$0 unpatch deploy/web', 'Back to the original images')
    .example('$0 unpatch deployments --all -n shop', 'Every patched Deployment of the namespace (others are skipped)');
}

export type UnpatchOptions = CommonOptions;

export function validate(args: Args): UnpatchOptions {
  return validateCommon(args);
}

function describeUnpatch(p: UnpatchPlan): string[] {
  const lines = p.restored.map((c) => `${c.list === 'initContainers' ? 'init container' : 'container'} ${c.name}: ${c.target} -> ${c.original}`);
  for (const c of p.alreadyOriginal) lines.push(`${c.list === 'initContainers' ? 'init container' : 'container'} ${c.name}: already runs ${c.original} again`);
  if (p.affinityRemoved) lines.push('node affinity: acceleration label requirement removed');
  return lines;
}

export async function run(o: UnpatchOptions, ctx: Context): Promise<number> {
  // unpatch needs nothing from UCloud; but when a UCloud cluster is named, it must be the context's.
  if (await ctx.config.clusterId().then(() => true, () => false)) {
    await ctx.requireSameCluster({ what: 'unpatch workloads', refuseUnknown: false, force: false });
  }
  const namespace = ctx.kube.namespace;
  const targets = await resolveTargets(ctx.kube, o.targets, namespace);
  if (targets.length === 0) {
    ctx.streams.err.write(`No resources found in ${namespace} namespace.\n`);
    return 0;
  }
  return (await runOnEach(ctx, o, 'unpatched', targets, (t) => unpatchOne(ctx, o, t, namespace))).code;
}

async function unpatchOne(ctx: Context, o: UnpatchOptions, t: NamedTarget, namespace: string): Promise<Printed | undefined> {
  const name = objectName(t.info, t.name);
  const read = (): Promise<Workload> => readWorkload(ctx.kube, t.info, namespace, t.name);
  let seenPatched = false;
  if (o.targets.mode === 'select') {
    // Selecting many workloads: the ones uimgacc never patched are simply not ours to undo.
    const current = await read();
    if (current.metadata.annotations?.[PATCHED_ANNOTATION] === undefined) {
      ctx.streams.err.write(`${name} skipped: not patched by uimgacc\n`);
      return undefined;
    }
    seenPatched = true;
  }
  const { before, after, plan: p } = await applyPlan(ctx.kube, {
    info: t.info,
    namespace,
    name: t.name,
    dryRun: o.dryRun,
    fieldManager: o.fieldManager,
    plan: unpatchPlanner(t.info, seenPatched),
  });
  if (p.alreadyDone) {
    return { name, changed: false, object: before, before, info: t.info, lines: [], unchangedReason: 'already unpatched (another run restored the original images meanwhile)' };
  }
  return { name, changed: true, object: after ?? p.object, before, info: t.info, lines: describeUnpatch(p) };
}
