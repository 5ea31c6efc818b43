import { UserError } from '../errors.ts';
import { t, tEnglish } from '../i18n/index.ts';
import type { ImageUse, ScanResult } from './scan.ts';

/** t or tEnglish: a message built once for the user and once, in English, for machine output. */
export type Translate = typeof t;

/**
 * The safety rule of delete and disable: refuse while anything uses a target image, and also when part of the
 * cluster could not be seen, because an unseen Pod is not a safe Pod. The renderers come from cmd/ (tables).
 */
export class InUseRefusal extends UserError {
  /** Why, in English whatever the language: the `refused` field of -o json|yaml, which scripts read. */
  readonly reason: string;
  /** Why, in the user's language: the message without "refusing to …:", e.g. as a warning under --force. */
  readonly localReason: string;
  /**
   * 'in-use': something was seen using the image. 'unverified': nothing was seen, but part of the cluster could not be
   * (or nothing could be checked at all). Scripts get a different exit code for each. `what` is in the user's
   * language ("delete the acceleration of …"); `reason` is written with the translator it is given, once per language.
   */
  constructor(what: string, reason: (tr: Translate) => string, details: readonly string[], kind: 'in-use' | 'unverified' = 'in-use') {
    const localReason = reason(t);
    super(kind, t('operation.guard.refusing', { what, reason: localReason }), details);
    this.reason = reason(tEnglish);
    this.localReason = localReason;
  }
}

export interface SummaryOptions {
  /** Several target images are meant (without `image`): "target images" rather than "the target image". */
  readonly several?: boolean | undefined;
  readonly tr?: Translate | undefined;
}

/**
 * One line saying how much uses the image, with running Pods, terminating Pods (they still hold the image until they
 * are gone) and workload templates (which would start new Pods on it) told apart. `image` names what is used, in the
 * user's words; without it, "the target image" (or "target images").
 */
export function summarizeUses(uses: readonly ImageUse[], image?: string, options: SummaryOptions = {}): string {
  const tr = options.tr ?? t;
  const pods = uses.filter((u) => u.kind === 'Pod');
  const terminating = pods.filter((u) => u.terminating).length;
  const templates = uses.length - pods.length;
  const uncertain = uses.filter((u) => !u.certain).length;
  const parts: string[] = [];
  if (pods.length) parts.push(terminating ? tr('operation.uses.podsTerminating', { n: pods.length, terminating }) : tr('operation.uses.pods', { n: pods.length }));
  if (templates) parts.push(tr('operation.uses.templates', { n: templates }));
  const n = uses.length;
  const joined = parts.join(tr('operation.uses.separator'));
  let text =
    image !== undefined
      ? tr('operation.uses.summaryOf', { n, image, parts: joined })
      : tr(options.several ? 'operation.uses.summaryMany' : 'operation.uses.summary', { n, parts: joined });
  if (uncertain) text += tr('operation.uses.uncertain', { n: uncertain });
  return text;
}

/**
 * The refusal for a scan that found users of the target image(s) (`several`: more than one target was looked for), or
 * could not see everything; undefined when deleting is safe. `what` is in the user's language.
 */
export function inUseRefusal(what: string, scan: ScanResult, render: { uses: () => string; unseen: () => string[] }, several = false): InUseRefusal | undefined {
  if (scan.uses.length > 0) {
    return new InUseRefusal(what, (tr) => summarizeUses(scan.uses, undefined, { several, tr }), [
      render.uses().trimEnd(),
      ...(scan.unseen.length ? [t('operation.guard.alsoUnseen'), ...render.unseen()] : []),
      t(several ? 'operation.guard.inUseHintMany' : 'operation.guard.inUseHint'),
    ]);
  }
  if (scan.unseen.length > 0) {
    return new InUseRefusal(what, (tr) => tr('operation.guard.unseen'), [...render.unseen(), t('operation.guard.unseenHint')], 'unverified');
  }
  return undefined;
}
