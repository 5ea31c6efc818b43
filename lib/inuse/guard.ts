import { UserError } from '../errors.ts';
import type { ImageUse, ScanResult } from './scan.ts';

/**
 * The safety rule of delete and disable: refuse while anything uses a target image, and also when part of the
 * cluster could not be seen, because an unseen Pod is not a safe Pod. The renderers come from cmd/ (tables).
 */
export class InUseRefusal extends UserError {
  /** The message without "refusing to …:", for use as a warning under --force. */
  readonly reason: string;
  /**
   * 'in-use': something was seen using the image. 'unverified': nothing was seen, but part of the cluster could not be
   * (or nothing could be checked at all). Scripts get a different exit code for each.
   */
  constructor(what: string, reason: string, details: readonly string[], kind: 'in-use' | 'unverified' = 'in-use') {
    super(kind, `refusing to ${what}: ${reason}`, details);
    this.reason = reason;
  }
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * One line saying how much uses the image, with running Pods, terminating Pods (they still hold the image until they
 * are gone) and workload templates (which would start new Pods on it) told apart.
 */
export function summarizeUses(uses: readonly ImageUse[], image = 'the target image'): string {
  const pods = uses.filter((u) => u.kind === 'Pod');
  const terminating = pods.filter((u) => u.terminating).length;
  const templates = uses.length - pods.length;
  const uncertain = uses.filter((u) => !u.certain).length;
  const parts: string[] = [];
  if (pods.length) parts.push(`${plural(pods.length, 'in a Pod', 'in Pods')}${terminating ? ` (${terminating} terminating)` : ''}`);
  if (templates) parts.push(`${templates} in ${templates === 1 ? "a workload's pod template" : 'workload pod templates'}`);
  let text = `${plural(uses.length, 'container uses', 'containers use')} ${image}: ${parts.join(', ')}`;
  if (uncertain) text += `; for ${uncertain} of them it is not certain (tag vs digest: only the registry could tell)`;
  return text;
}

export function inUseRefusal(
  what: string,
  scan: ScanResult,
  render: { uses: () => string; unseen: () => string[] },
  image = 'the target image',
): InUseRefusal | undefined {
  if (scan.uses.length > 0) {
    return new InUseRefusal(what, summarizeUses(scan.uses, image), [
      render.uses().trimEnd(),
      ...(scan.unseen.length ? ['and the scan could not see:', ...render.unseen()] : []),
      `hint: move these workloads off ${image} first (\`kubectl uimgacc who-uses\` lists them), or pass --force to go ahead anyway: Pods still using ${image === 'the target image' ? 'it' : 'them'} will get IO errors`,
    ]);
  }
  if (scan.unseen.length > 0) {
    return new InUseRefusal(
      what,
      'the in-use check could not see everything, and an unseen Pod is not a safe Pod',
      [
        ...render.unseen(),
        'hint: run it as a user who can list these (cluster-wide list of Pods and workloads), or pass --force if you are sure nothing there uses the image',
      ],
      'unverified',
    );
  }
  return undefined;
}
