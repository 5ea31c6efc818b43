import type { Argv } from 'yargs';
import { describeLabels, detectAccelerationLabels, type LabelDetection, type NodeInfo } from '../../lib/affinity.ts';
import { invalid } from '../../lib/errors.ts';
import { parseNodeLabel } from '../../lib/values.ts';
import { parseImagePair } from '../../lib/image/pair.ts';
import { describeKubeError, isForbidden } from '../../lib/kube/errors.ts';
import { listNodes } from '../../lib/nodes.ts';
import { patchAccelerations } from '../../lib/operations.ts';
import { unifiedDiff } from '../../lib/workload/diff.ts';
import { objectName, parseTargets, type KindInfo, type NamedTarget, type Targets } from '../../lib/workload/kinds.ts';
import { planPatch, type Acceleration, type PatchPlan } from '../../lib/workload/plan.ts';
import { resolveTargets } from '../../lib/workload/resolve.ts';
import { containerRef, podTemplateOf, replicasOf, type Workload } from '../../lib/workload/template.ts';
import { t, type MessageKey } from '../../lib/i18n/index.ts';
import { applyPlan } from '../../lib/workload/write.ts';
import { bool, parseDryRun, str, strings, type Args, type DryRun } from '../args.ts';
import type { Context } from '../context.ts';
import { errorOutput, reportError } from '../errors.ts';
import { parseOutputFormat, renderJson, renderYaml, type OutputFormat } from '../output.ts';
import { writeStyled } from '../safe-text.ts';

export const DEFAULT_FIELD_MANAGER = 'kubectl-uimgacc';

export type Verb = 'patch' | 'unpatch';

/** Flags patch and unpatch share: which workloads, how to write, what to print. */
export function commonOptions(y: Argv, verb: Verb): Argv {
  return y
    .positional('TARGET', { type: 'string', array: true, describe: t('workload.flag.target') })
    .option('selector', { alias: 'l', type: 'string', describe: t(verb === 'patch' ? 'workload.flag.selector.patch' : 'workload.flag.selector.unpatch') })
    .option('all', { type: 'boolean', describe: t(verb === 'patch' ? 'workload.flag.all.patch' : 'workload.flag.all.unpatch') })
    .option('field-manager', { type: 'string', default: DEFAULT_FIELD_MANAGER, describe: t('workload.flag.fieldManager') })
    .option('dry-run', { type: 'string', describe: t('workload.flag.dryRun') })
    .option('diff', { type: 'boolean', describe: t('workload.flag.diff') })
    .option('output', { alias: 'o', type: 'string', describe: t('workload.flag.output') });
}

export interface CommonOptions {
  readonly targets: Targets;
  readonly fieldManager: string;
  readonly dryRun: DryRun;
  readonly diff: boolean;
  readonly output: OutputFormat;
}

export function validateCommon(args: Args): CommonOptions {
  const output = parseOutputFormat(str(args, 'output'), ['table', 'json', 'yaml', 'name']);
  const diff = bool(args, 'diff');
  if (diff && output !== 'table') throw invalid(t('workload.error.diffWithOutput'));
  const fieldManager = str(args, 'field-manager') ?? DEFAULT_FIELD_MANAGER;
  if (fieldManager === '' || fieldManager.length > 128) throw invalid(t('workload.error.fieldManager'));
  return {
    targets: parseTargets(strings(args, 'TARGET'), str(args, 'selector'), bool(args, 'all')),
    fieldManager,
    dryRun: parseDryRun(str(args, 'dry-run'), true),
    diff,
    output,
  };
}

export function builder(y: Argv): Argv {
  return commonOptions(y, 'patch')
    .option('container', { alias: 'c', type: 'string', array: true, describe: t('workload.flag.container') })
    .option('image', { type: 'string', array: true, describe: t('workload.flag.image') })
    .option('node-label', { type: 'string', describe: t('workload.flag.nodeLabel') })
    .example('$0 patch deploy/web', t('workload.example.patch'))
    .example('$0 patch deploy/web sts/db -n shop', t('workload.example.patchSeveral'))
    .example('$0 patch deployments -l app=web --dry-run=client --diff', t('workload.example.patchPreview'))
    .example('$0 patch cj/report --image uhub.service.ucloud.cn/team/app:1=uhub.service.ucloud.cn/team/app:1-acc', t('workload.example.patchPair'));
}

export interface PatchOptions extends CommonOptions {
  readonly containers: readonly string[] | undefined;
  readonly images: readonly Acceleration[];
  readonly nodeLabel: string | undefined;
}

export function validate(args: Args): PatchOptions {
  const common = validateCommon(args);
  const containers = strings(args, 'container');
  const images = strings(args, 'image').map((pair) => parseImagePair(pair, '--image'));
  const label = str(args, 'node-label');
  const nodeLabel = label === undefined ? undefined : parseNodeLabel(label);
  return { ...common, containers: containers.length ? containers : undefined, images, nodeLabel };
}

/** Ready accelerations from UCloud, or the --image pairs (checked against UCloud when it can tell). */
async function accelerations(o: PatchOptions, ctx: Context): Promise<readonly Acceleration[]> {
  const { accelerations: accs, warning } = patchAccelerations(await (await ctx.ucloud()).get(), o.images);
  if (warning) ctx.warn(warning);
  return accs;
}

async function nodesOrUndefined(ctx: Context): Promise<NodeInfo[] | undefined> {
  try {
    return await listNodes(ctx.kube);
  } catch (err) {
    if (!isForbidden(err)) throw err;
    ctx.debug(1, describeKubeError(err, undefined, t));
    return undefined;
  }
}

function countReady(nodes: readonly NodeInfo[], labels: readonly string[]): number {
  return nodes.filter((n) => n.ready && labels.some((l) => n.labels[l] === 'true')).length;
}

/** Everything both commands print for one workload. */
export interface Printed {
  readonly name: string;
  readonly changed: boolean;
  readonly object: Workload;
  readonly before: Workload;
  readonly info: KindInfo;
  readonly lines: readonly string[];
  readonly unchangedReason?: string | undefined;
}

/** What happened to a changed workload: also the name of the new side in `--diff` (machine text, always English). */
export type Outcome = 'patched' | 'unpatched';

/** What a changed workload's summary line says, by outcome and dry run. */
const DONE = {
  patched: { none: 'workload.result.patched', client: 'workload.result.patchedDryRun', server: 'workload.result.patchedServerDryRun' },
  unpatched: { none: 'workload.result.unpatched', client: 'workload.result.unpatchedDryRun', server: 'workload.result.unpatchedServerDryRun' },
} as const satisfies Record<Outcome, Record<DryRun, MessageKey>>;

export function printResults(ctx: Context, o: CommonOptions, verb: Outcome, results: readonly Printed[]): void {
  if (o.output === 'json' || o.output === 'yaml') {
    const objects = results.map((r) => r.object);
    const value = objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects, metadata: { resourceVersion: '' } };
    ctx.out.write(o.output === 'json' ? renderJson(value) : renderYaml(value));
    return;
  }
  for (const r of results) {
    if (o.output === 'name') {
      ctx.out.write(`${r.name}\n`);
      continue;
    }
    if (o.diff) {
      const a = renderYaml(podTemplateOf(r.info, r.before) ?? {});
      const b = renderYaml(podTemplateOf(r.info, r.object) ?? {});
      ctx.out.write(unifiedDiff(a, b, `${r.name} (live)`, `${r.name} (${verb})`));
      continue;
    }
    if (!r.changed) {
      const text = r.unchangedReason ? t('workload.result.unchangedBecause', { name: r.name, reason: r.unchangedReason }) : t('workload.result.unchanged', { name: r.name });
      writeStyled(ctx.out, [{ style: 'muted', text }, '\n']);
      continue;
    }
    writeStyled(ctx.out, [{ style: 'ok', text: t(DONE[verb][o.dryRun], { name: r.name }) }, '\n']);
    for (const line of r.lines) ctx.out.write(`  ${line}\n`);
  }
}

function describePlan(plan: PatchPlan): string[] {
  const lines = plan.containers
    .filter((c) => c.outcome === 'patched')
    .map((c) => t('workload.line.imageChange', { container: containerRef(c.list, c.name), from: c.image, to: c.target ?? '' }));
  if (plan.affinityChanged) lines.push(t('workload.line.affinityRequires', { labels: describeLabels(plan.labels ?? []) }));
  return lines;
}

export async function run(o: PatchOptions, ctx: Context): Promise<number> {
  // The accelerations UCloud lists are the cluster's own only when the context is on that cluster.
  await ctx.requireSameCluster({ what: t('workload.identity.patch'), refuseUnknown: false, force: false });
  const namespace = ctx.kube.namespace;
  const targets = await resolveTargets(ctx.kube, o.targets, namespace);
  if (targets.length === 0) {
    ctx.streams.err.write(`${t('workload.noResources', { namespace })}\n`);
    return 0;
  }
  const accs = await accelerations(o, ctx);
  const nodes = await nodesOrUndefined(ctx);
  const choice: LabelDetection = detectAccelerationLabels(nodes ?? [], o.nodeLabel);
  if (!nodes) ctx.debug(1, t('workload.debug.nodesForbidden', { labels: describeLabels(choice.labels) }));
  if (choice.excluded.length > 0) {
    ctx.warn(t('workload.warn.excludedNodes', { n: choice.excluded.length, label: o.nodeLabel ?? '' }));
  }
  const counts = choice.counts.map((c) => t('workload.debug.labelCount', { label: c.label, ready: c.readyNodes, nodes: c.nodes })).join(t('common.listSeparator'));
  ctx.debug(1, t(choice.source === 'flag' ? 'workload.debug.labelsFromFlag' : 'workload.debug.labelsDetected', { labels: describeLabels(choice.labels), counts }));

  const { code, results } = await runOnEach(ctx, o, 'patched', targets, async (target) => {
    const r = await patchOne(ctx, o, target, namespace, accs, choice.labels);
    warnAbout(ctx, r.printed.name, r.plan, r.replicas, nodes);
    if (r.plan.changed) noteOwnership(ctx, r.printed, o.dryRun);
    return r.printed;
  });
  if (!results.some((r) => r.changed) && results.length > 0 && o.output === 'table' && !o.diff) {
    ctx.streams.err.write(`${t('workload.nothingToPatch')}\n`);
  }
  return code;
}

/**
 * The run loop patch and unpatch share: one workload after another, each on its own (a failure is reported and the
 * next one goes on; `one` returns undefined for a workload it skips), then the results; exit 1 if any failed.
 */
export async function runOnEach(
  ctx: Context,
  o: CommonOptions,
  verb: Outcome,
  targets: readonly NamedTarget[],
  one: (target: NamedTarget) => Promise<Printed | undefined>,
): Promise<{ readonly code: number; readonly results: readonly Printed[] }> {
  const results: Printed[] = [];
  let failures = 0;
  for (const target of targets) {
    try {
      const r = await one(target);
      if (r) results.push(r);
    } catch (err) {
      failures++;
      reportError(err, errorOutput(ctx.streams.err), ctx.flags.verbosity, ctx.kube.serverUrl());
    }
  }
  printResults(ctx, o, verb, results);
  return { code: failures > 0 ? 1 : 0, results };
}

interface PatchOutcome {
  readonly printed: Printed;
  readonly plan: PatchPlan;
  readonly replicas: number | undefined;
}

async function patchOne(ctx: Context, o: PatchOptions, target: NamedTarget, namespace: string, accs: readonly Acceleration[], labels: readonly string[]): Promise<PatchOutcome> {
  const name = objectName(target.info, target.name);
  const res = await applyPlan(ctx.kube, {
    info: target.info,
    namespace,
    name: target.name,
    dryRun: o.dryRun,
    fieldManager: o.fieldManager,
    plan: (obj: Workload): PatchPlan => planPatch(target.info, obj, { accelerations: accs, containers: o.containers, labels }),
  });
  if (res.attempts > 1) ctx.debug(1, t('workload.debug.attempts', { name, n: res.attempts }));
  const { before, after, plan: p } = res;
  for (const c of p.containers) {
    if (c.outcome === 'not-accelerated') {
      ctx.streams.err.write(`${t('workload.notAccelerated', { name, container: containerRef(c.list, c.name), image: c.image })}\n`);
    }
  }
  const already = p.containers.some((c) => c.outcome === 'already-accelerated');
  return {
    printed: {
      name,
      changed: p.changed,
      object: after ?? before,
      before,
      info: target.info,
      lines: describePlan(p),
      unchangedReason: t(already ? 'workload.reason.alreadyPatched' : 'workload.reason.nothingAccelerated'),
    },
    plan: p,
    replicas: replicasOf(target.info, before),
  };
}

/** The controller that owns the workload (e.g. the Deployment of a ReplicaSet), if any. */
function controllerOf(obj: Workload): { kind: string; name: string } | undefined {
  const refs = obj.metadata['ownerReferences'];
  if (!Array.isArray(refs)) return undefined;
  const ref = (refs as { kind?: unknown; name?: unknown; controller?: unknown }[]).find((r) => r.controller === true);
  return typeof ref?.kind === 'string' && typeof ref.name === 'string' ? { kind: ref.kind, name: ref.name } : undefined;
}

function noteOwnership(ctx: Context, r: Printed, dryRun: DryRun): void {
  const owner = controllerOf(r.before);
  if (owner) {
    // A Deployment puts its own template back (it scales the changed ReplicaSet down and starts one matching its template).
    ctx.warn(t('workload.warn.managedBy', { name: r.name, owner: `${owner.kind.toLowerCase()}/${owner.name}`, kind: owner.kind }));
  } else if ((r.info.kind === 'ReplicaSet' || r.info.kind === 'ReplicationController') && dryRun === 'none') {
    ctx.streams.err.write(`${t('workload.runningPodsKeep', { name: r.name, kind: r.info.kind })}\n`);
  }
}

function warnAbout(ctx: Context, name: string, plan: PatchPlan, replicas: number | undefined, nodes: readonly NodeInfo[] | undefined): void {
  const labels = plan.labels;
  for (const c of plan.conflicts) ctx.warn(t('workload.warn.affinityConflict', { name, labels: describeLabels(labels ?? []), conflict: c }));
  if (labels === undefined || nodes === undefined) return;
  const ready = countReady(nodes, labels);
  if (ready === 0) {
    ctx.warn(t('workload.warn.noReadyNode', { labels: describeLabels(labels), name }));
  } else if (replicas !== undefined && replicas > ready) {
    ctx.warn(t('workload.warn.fewNodes', { name, replicas, ready, labels: describeLabels(labels) }));
  }
}
