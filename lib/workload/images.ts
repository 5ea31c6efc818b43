import { t } from '../i18n/index.ts';
import { findAcceleration } from '../operations.ts';
import type { ImagePair } from '../image/pair.ts';
import { parseCreateSpec } from '../image/pair.ts';
import { parseImageReference, sameImage, tryParseImageReference } from '../image/reference.ts';
import type { AcceleratedImage } from '../ucloud/acceleration.ts';
import type { TemplateKindInfo } from './kinds.ts';
import { CONTAINER_LISTS, podTemplateOf, type Workload } from './template.ts';

export interface ImagesPlan {
  /** Images to accelerate, with their default targets, in the order the pod template names them. */
  readonly requests: ImagePair[];
  /** Images left out, and why (already accelerated, already a target image, pinned by digest only). */
  readonly skipped: { readonly image: string; readonly reason: string }[];
}

/**
 * What `create --from` accelerates: every container and init container image of the workload's pod template (any
 * kind, through the template accessor) that is neither accelerated yet nor a target image itself.
 */
export function imagesToAccelerate(info: TemplateKindInfo, workload: Workload, accelerated: readonly AcceleratedImage[]): ImagesPlan {
  const spec = podTemplateOf(info, workload)?.spec;
  const requests: ImagePair[] = [];
  const skipped: { image: string; reason: string }[] = [];
  const seen: string[] = [];
  for (const list of CONTAINER_LISTS) {
    for (const c of spec?.[list] ?? []) {
      const image = c.image;
      if (!image || seen.includes(image)) continue;
      seen.push(image);
      const ref = tryParseImageReference(image);
      if (!ref) {
        skipped.push({ image, reason: t('workload.skip.invalid') });
        continue;
      }
      const found = findAcceleration(accelerated, image);
      if (found) {
        const isTarget = tryParseImageReference(found.targetImage);
        skipped.push({ image, reason: isTarget && sameImage(isTarget, ref) ? t('workload.skip.isTarget') : t('workload.skip.accelerated', { target: found.targetImage }) });
        continue;
      }
      if (ref.tag === undefined && ref.digest !== undefined) {
        skipped.push({ image, reason: t('workload.skip.digest') });
        continue;
      }
      if (requests.some((r) => sameImage(parseImageReference(r.originalImage), ref))) continue;
      requests.push(parseCreateSpec(image));
    }
  }
  return { requests, skipped };
}
