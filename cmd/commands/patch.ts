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
import { podTemplateOf, replicasOf, type Workload } from '../../lib/workload/template.ts';
import { applyPlan } from '../../lib/workload/write.ts';
import { bool, parseDryRun, str, strings, type Args, type DryRun } from '../args.ts';
import type { Context } from '../context.ts';
import { errorOutput, reportError } from '../errors.ts';
import { parseOutputFormat, renderJson, renderYaml, type OutputFormat } from '../output.ts';

export const DEFAULT_FIELD_MANAGER = 'kubectl-uimgacc';

/** Flags patch and unpatch share: which workloads, how to write, what to print. */
export function commonOptions(y: Argv, verb: string): Argv {
  return y
    .positional('TARGET', { type: 'string', array: true, describe: 'TYPE/NAME ..., TYPE NAME ..., or TYPE with -l/--all (deploy, sts, ds, rs, rc, cj)' })
    .option('selector', { alias: 'l', type: 'string', describe: `Label selector: ${verb} every workload of TYPE that matches, e.g. -l app=web` })
    .option('all', { type: 'boolean', describe: `${verb[0]?.toUpperCase() ?? ''}${verb.slice(1)} every workload of TYPE in the namespace` })
    .option('field-manager', { type: 'string', default: DEFAULT_FIELD_MANAGER, describe: 'Name of the manager used to track field ownership' })
    .option('dry-run', { type: 'string', describe: 'none|client|server: client prints what would change without sending it; server sends it with dryRun=All (admission and validation run, nothing is stored)' })
    .option('diff', { type: 'boolean', describe: 'Print a unified diff of the pod template (with --dry-run: what would change)' })
    .option('output', { alias: 'o', type: 'string', describe: 'Output format: json|yaml|name (default: one line per workload)' });
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
  if (diff && output !== 'table') throw invalid('--diff prints a diff; it cannot be combined with -o');
  const fieldManager = str(args, 'field-manager') ?? DEFAULT_FIELD_MANAGER;
  if (fieldManager === '' || fieldManager.length > 128) throw invalid('--field-manager must be 1 to 128 characters');
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
    .option('container', { alias: 'c', type: 'string', array: true, describe: 'Only these containers or init containers (repeatable)' })
    .option('image', { type: 'string', array: true, describe: 'ORIGINAL=TARGET: use this pair instead of the accelerations UCloud lists (repeatable)' })
    .option('node-label', { type: 'string', describe: 'Require this node label key (or KEY=true) only (default: either spelling, node.uk8s.ucloud.cn/image_accel or the legacy node.uk8s.ucloud.cn/uimgacc, so every accelerated node qualifies)' })
    .example('$0 patch deploy/web', 'Use the accelerated image for every container of deployment web that has one')
    .example('$0 patch deploy/web sts/db -n shop', 'Several workloads at once')
    .example('$0 patch deployments -l app=web --dry-run=client --diff', 'Preview the change to the pod templates')
    .example('$0 patch cj/report --image uhub.service.ucloud.cn/team/app:1=uhub.service.ucloud.cn/team/app:1-acc', 'Name the pair explicitly');
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
    ctx.debug(1, describeKubeError(err));
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

export function dryRunSuffix(dryRun: DryRun): string {
  return dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';
}

export function printResults(ctx: Context, o: CommonOptions, verb: string, results: readonly Printed[]): void {
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
      ctx.out.write(`${r.name} unchanged${r.unchangedReason ? `: ${r.unchangedReason}` : ''}\n`);
      continue;
    }
    ctx.out.write(`${r.name} ${verb}${dryRunSuffix(o.dryRun)}\n`);
    for (const line of r.lines) ctx.out.write(`  ${line}\n`);
  }
}

function describePlan(plan: PatchPlan): string[] {
  const lines = plan.containers
    .filter((c) => c.outcome === 'patched')
    .map((c) => `${c.list === 'initContainers' ? 'init container' : 'container'} ${c.name}: ${c.image} -> ${c.target ?? ''}`);
  if (plan.affinityChanged) lines.push(`node affinity: requires ${describeLabels(plan.labels ?? [])}`);
  return lines;
}

export async function run(o: PatchOptions, ctx: Context): Promise<number> {
  // The accelerations UCloud lists are the cluster's own only when the context is on that cluster.
  await ctx.requireSameCluster({ what: 'patch workloads', refuseUnknown: false, force: false });
  const namespace = ctx.kube.namespace;
  const targets = await resolveTargets(ctx.kube, o.targets, namespace);
  if (targets.length === 0) {
    ctx.streams.err.write(`No resources found in ${namespace} namespace.\n`);
    return 0;
  }
  const accs = await accelerations(o, ctx);
  const nodes = await nodesOrUndefined(ctx);
  const choice: LabelDetection = detectAccelerationLabels(nodes ?? [], o.nodeLabel);
  if (!nodes) ctx.debug(1, `cannot list Nodes (forbidden): requiring ${describeLabels(choice.labels)} without checking the nodes`);
  if (choice.excluded.length > 0) {
    ctx.warn(`${choice.excluded.length} node(s) carry an acceleration label but not ${o.nodeLabel ?? ''}=true: Pods will not be scheduled there (without --node-label either spelling qualifies)`);
  }
  ctx.debug(1, `node labels: ${describeLabels(choice.labels)} (${choice.source}; ${choice.counts.map((c) => `${c.label}: ${c.readyNodes}/${c.nodes} Ready`).join(', ')})`);

  const { code, results } = await runOnEach(ctx, o, 'patched', targets, async (t) => {
    const r = await patchOne(ctx, o, t, namespace, accs, choice.labels);
    warnAbout(ctx, r.printed.name, r.plan, r.replicas, nodes);
    if (r.plan.changed) noteOwnership(ctx, r.printed, o.dryRun);
    return r.printed;
  });
  if (!results.some((r) => r.changed) && results.length > 0 && o.output === 'table' && !o.diff) {
    ctx.streams.err.write('Nothing to patch: no selected container uses an image with a Ready acceleration that is not already in place.\n');
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
  verb: string,
  targets: readonly NamedTarget[],
  one: (t: NamedTarget) => Promise<Printed | undefined>,
): Promise<{ readonly code: number; readonly results: readonly Printed[] }> {
  const results: Printed[] = [];
  let failures = 0;
  for (const t of targets) {
    try {
      const r = await one(t);
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

async function patchOne(ctx: Context, o: PatchOptions, t: NamedTarget, namespace: string, accs: readonly Acceleration[], labels: readonly string[]): Promise<PatchOutcome> {
  const name = objectName(t.info, t.name);
  const res = await applyPlan(ctx.kube, {
    info: t.info,
    namespace,
    name: t.name,
    dryRun: o.dryRun,
    fieldManager: o.fieldManager,
    plan: (obj: Workload): PatchPlan => planPatch(t.info, obj, { accelerations: accs, containers: o.containers, labels }),
  });
  if (res.attempts > 1) ctx.debug(1, `${name}: written after ${res.attempts} attempts (it changed concurrently)`);
  const { before, after, plan: p } = res;
  for (const c of p.containers) {
    if (c.outcome === 'not-accelerated') {
      ctx.streams.err.write(`${name}: ${c.list === 'initContainers' ? 'init container' : 'container'} ${c.name} (${c.image}) has no Ready acceleration: left alone\n`);
    }
  }
  const already = p.containers.some((c) => c.outcome === 'already-accelerated');
  return {
    printed: {
      name,
      changed: p.changed,
      object: after ?? before,
      before,
      info: t.info,
      lines: describePlan(p),
      unchangedReason: already ? 'already uses the target images and requires the acceleration node label' : 'no selected container uses an image with a Ready acceleration',
    },
    plan: p,
    replicas: replicasOf(t.info, before),
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
    ctx.warn(`${r.name} is managed by ${owner.kind.toLowerCase()}/${owner.name}, which will not keep this change: patch the ${owner.kind} instead`);
  } else if ((r.info.kind === 'ReplicaSet' || r.info.kind === 'ReplicationController') && dryRun === 'none') {
    ctx.streams.err.write(`${r.name}: running Pods keep their images (a ${r.info.kind} applies its template only to Pods it creates); delete them to have them recreated\n`);
  }
}

function warnAbout(ctx: Context, name: string, plan: PatchPlan, replicas: number | undefined, nodes: readonly NodeInfo[] | undefined): void {
  const labels = plan.labels;
  for (const c of plan.conflicts) ctx.warn(`${name}: its node affinity contradicts ${describeLabels(labels ?? [])} (${c}): Pods matching that term could not be scheduled`);
  if (labels === undefined || nodes === undefined) return;
  const ready = countReady(nodes, labels);
  if (ready === 0) {
    ctx.warn(`no Ready node carries ${describeLabels(labels)}: Pods of ${name} will stay Pending until such nodes join (only nodes added after acceleration was enabled get the label)`);
  } else if (replicas !== undefined && replicas > ready) {
    ctx.warn(`${name} wants ${replicas} replicas but only ${ready} Ready node(s) carry ${describeLabels(labels)}: they all run there (anti-affinity or spread constraints may leave some Pending)`);
  }
}
