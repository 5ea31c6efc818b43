import { invalid } from '../errors.ts';
import { t } from '../i18n/index.ts';
import { defaultTargetImage, parseImageReference, sameImage } from './reference.ts';

/** An original image and the target image its acceleration publishes. */
export interface ImagePair {
  readonly originalImage: string;
  readonly targetImage: string;
}

/**
 * `ORIGINAL=TARGET`, as `patch --image` and `create` spell a pair (`=` never occurs in an image reference). Both
 * must be valid references; `what` names the argument in the error (a flag or the argument's name in --help).
 */
export function parseImagePair(text: string, what: string): ImagePair {
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1 || text.indexOf('=', eq + 1) !== -1) throw invalid(t('operation.pair.invalid', { what, text }));
  const originalImage = text.slice(0, eq);
  const targetImage = text.slice(eq + 1);
  parseImageReference(originalImage);
  parseImageReference(targetImage);
  return { originalImage, targetImage };
}

/**
 * What `create` accelerates for one argument: `ORIGINAL` (target: its tag + "-acc") or `ORIGINAL=TARGET`. The target
 * must be a tag (UCloud publishes under it) and another image than the original.
 */
export function parseCreateSpec(text: string): ImagePair {
  if (text.includes('=')) {
    const pair = parseImagePair(text, 'IMAGE');
    checkTarget(pair);
    return pair;
  }
  const ref = parseImageReference(text);
  if (!ref.tag && ref.digest) {
    throw invalid(t('operation.pair.digestOnly', { image: text }));
  }
  return { originalImage: text, targetImage: defaultTargetImage(text) };
}

function checkTarget(pair: ImagePair): void {
  const originalRef = parseImageReference(pair.originalImage);
  const targetRef = parseImageReference(pair.targetImage);
  if (targetRef.digest) throw invalid(t('operation.pair.targetDigest', { target: pair.targetImage }));
  if (sameImage(originalRef, targetRef)) throw invalid(t('operation.pair.targetSame', { target: pair.targetImage }));
}

/**
 * The images of a `create -f` file: one per line, blank lines skipped, `#` starts a comment (it never occurs in a
 * reference). Every line is checked before anything is sent; errors name the line.
 */
export function parseImageList(text: string, source: string): ImagePair[] {
  const out: ImagePair[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const hash = raw.indexOf('#');
    const line = (hash === -1 ? raw : raw.slice(0, hash)).trim();
    if (line === '') continue;
    try {
      out.push(parseCreateSpec(line));
    } catch (err) {
      throw invalid(t('operation.pair.line', { source, line: i + 1, message: err instanceof Error ? err.message : String(err) }));
    }
  }
  return out;
}

/** Refuses two requests for the same original image (the second would only be refused by UCloud, half-way through). */
export function requireDistinctOriginals(pairs: readonly ImagePair[]): void {
  for (const [i, a] of pairs.entries()) {
    const ra = parseImageReference(a.originalImage);
    const dup = pairs.slice(i + 1).find((b) => sameImage(ra, parseImageReference(b.originalImage)));
    if (dup) throw invalid(t('operation.pair.twice', { image: a.originalImage, other: dup.originalImage }));
  }
}
