/**
 * Docker/OCI image references, parsed the way github.com/distribution/reference (v0.6) parses them with
 * ParseNormalizedNamed, so that `nginx`, `docker.io/nginx` and `index.docker.io/library/nginx:latest` are one image,
 * exactly as the container runtime on the node sees it. Keep the regexes in step with its regexp.go.
 */
import { t, tEnglish } from '../i18n/index.ts';

export interface ImageReference {
  /** Registry, e.g. 'docker.io', 'uhub.service.ucloud.cn', 'localhost:5000', '[::1]:5000'. Empty only in the odd
   *  case distribution also produces, where the first component looks like a domain ('a_b.com/x') but is not one. */
  readonly domain: string;
  /** Repository path inside the registry, e.g. 'library/nginx', 'myrepo/app/sub'. */
  readonly path: string;
  /** Absent when the input had no tag (no defaulting to 'latest' here). */
  readonly tag?: string;
  /** 'algorithm:hex', e.g. 'sha256:<64 lowercase hex>'. */
  readonly digest?: string;
}

/** A message not yet put into words: t (the user's language) or tEnglish. */
type Render = (tr: typeof t) => string;

export class InvalidReferenceError extends Error {
  readonly input: string;
  /** What is wrong, in English whatever the language (stable for scripts and tests). */
  readonly reason: string;
  /** The message in English, for logs and machine-readable output; `message` is in the user's language. */
  readonly englishMessage: string;

  /** `message` overrides the default "invalid image reference" wording, for references that parse but cannot be used. */
  constructor(input: string, reason: Render, message?: Render) {
    const render = message ?? ((tr: typeof t) => tr('ucloud.refInvalid', { input: quote(input), reason: reason(tr) }));
    super(render(t));
    this.name = 'InvalidReferenceError';
    this.input = input;
    this.reason = reason(tEnglish);
    this.englishMessage = render(tEnglish);
  }
}

const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
const DEFAULT_TAG = 'latest';
const LOCALHOST = 'localhost';
const TARGET_TAG_SUFFIX = '-acc';
/** distribution's RepositoryNameTotalLengthMax; since distribution/reference#9 it bounds the path, not domain + path. */
const MAX_PATH_LENGTH = 255;
const MAX_TAG_LENGTH = 128;

// Building blocks, named as in distribution's regexp.go.
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const optionalPort = '(?::[0-9]+)?';
const tag = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}';
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const host = `(?:${domainName}|${ipv6address})`;
const domainAndPort = host + optionalPort;
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePat = `(?:${domainAndPort}/)?${remoteName}`;

// Compiled once: the in-use scan parses every container image of every Pod. No /g or /y flags, so they are stateless.
const REFERENCE_RE = new RegExp(`^(${namePat})(?::(${tag}))?(?:@(${digestPat}))?$`);
const ANCHORED_NAME_RE = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const ANCHORED_TAG_RE = new RegExp(`^${tag}$`);
const ANCHORED_DIGEST_RE = new RegExp(`^${digestPat}$`);
const IDENTIFIER_RE = /^[a-f0-9]{64}$/;
const LOWER_HEX_RE = /^[a-f0-9]+$/;

// Reasons are rendered only when an error is thrown (never at module load, nor by tryParseImageReference).
const UPPERCASE: Render = (tr) => tr('ucloud.refUppercase');
const INVALID_FORMAT: Render = (tr) => tr('ucloud.refFormat');
const EMPTY: Render = (tr) => tr('ucloud.refEmpty');
const IMAGE_ID: Render = (tr) => tr('ucloud.refImageId');
const PATH_TOO_LONG: Render = (tr) => tr('ucloud.refPathTooLong', { max: MAX_PATH_LENGTH });
const TAG_TOO_LONG: Render = (tr) => tr('ucloud.refTagTooLong', { max: MAX_TAG_LENGTH });

/**
 * Parses with docker.io normalisation (distribution's ParseNormalizedNamed); throws InvalidReferenceError whose
 * `reason` says what is wrong ('empty', 'repository name must be lowercase', 'invalid tag …', 'invalid digest …',
 * 'repository name must not be more than 255 characters', 'invalid reference format', …).
 */
export function parseImageReference(input: string): ImageReference {
  const result = parse(input);
  if (typeof result === 'function') throw new InvalidReferenceError(String(input), result);
  return result;
}

/** Like parseImageReference, without the cost of an exception for invalid input (e.g. images listed by UCloud). */
export function tryParseImageReference(input: string): ImageReference | undefined {
  const result = parse(input);
  return typeof result === 'function' ? undefined : result;
}

/** Full canonical string; a reference with neither tag nor digest gets ':latest' (distribution's TagNameOnly). */
export function canonicalImage(ref: ImageReference): string {
  let s = repositoryName(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  else if (ref.digest === undefined) s += `:${DEFAULT_TAG}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/** Repository name: domain/path. */
export function repositoryName(ref: ImageReference): string {
  return ref.domain === '' ? ref.path : `${ref.domain}/${ref.path}`;
}

/** Short form as docker prints it (distribution's FamiliarString): no docker.io, no 'library/', no default tag. */
export function familiarImage(ref: ImageReference): string {
  let name: string;
  if (ref.domain === DEFAULT_DOMAIN) {
    name = ref.path;
    if (name.startsWith(OFFICIAL_REPO_PREFIX)) {
      const rest = name.slice(OFFICIAL_REPO_PREFIX.length);
      // 'library/a/b' stays as is: only single-component official names are shortened.
      if (!rest.includes('/')) name = rest;
    }
  } else {
    name = repositoryName(ref);
  }
  if (ref.tag !== undefined) name += `:${ref.tag}`;
  if (ref.digest !== undefined) name += `@${ref.digest}`;
  return name;
}

/**
 * True when a and b name the same image: same repository and
 * - both digested: same digest (the runtime pulls by digest and ignores the tag);
 * - neither digested: same tag, a missing tag being 'latest';
 * - only one digested: false, as only the registry could tell which digest a tag points to.
 */
export function sameImage(a: ImageReference, b: ImageReference): boolean {
  if (a.domain !== b.domain || a.path !== b.path) return false;
  if (a.digest !== undefined || b.digest !== undefined) return a.digest === b.digest;
  return (a.tag ?? DEFAULT_TAG) === (b.tag ?? DEFAULT_TAG);
}

/** Parses both; false if either is invalid. */
export function sameImageString(a: string, b: string): boolean {
  const ra = tryParseImageReference(a);
  if (ra === undefined) return false;
  const rb = tryParseImageReference(b);
  return rb !== undefined && sameImage(ra, rb);
}

/** Map key consistent with sameImage: 'repo:tag' (tag defaulting to latest) or 'repo@digest'. */
export function imageKey(ref: ImageReference): string {
  const repo = repositoryName(ref);
  return ref.digest !== undefined ? `${repo}@${ref.digest}` : `${repo}:${ref.tag ?? DEFAULT_TAG}`;
}

/**
 * The conventional target image of an original: same repository, tag + '-acc', spelled the way the user spelled the
 * original ('nginx' → 'nginx:latest-acc', 'uhub.service.ucloud.cn/x/y:1' → 'uhub.service.ucloud.cn/x/y:1-acc').
 * A digest next to a tag is dropped: the target is a different image. Throws InvalidReferenceError for invalid input,
 * a digest-only original (no tag to suffix), or a resulting tag over 128 characters.
 */
export function defaultTargetImage(original: string): string {
  const ref = parseImageReference(original);
  if (ref.tag === undefined && ref.digest !== undefined) {
    throw new InvalidReferenceError(original, (tr) => tr('ucloud.refDigestOnly'), (tr) => tr('ucloud.targetFromDigestOnly', { input: quote(original) }));
  }
  const targetTag = (ref.tag ?? DEFAULT_TAG) + TARGET_TAG_SUFFIX;
  if (targetTag.length > MAX_TAG_LENGTH) {
    throw new InvalidReferenceError(
      original,
      (tr) => tr('ucloud.refTargetTagTooLong', { max: MAX_TAG_LENGTH }),
      (tr) => tr('ucloud.targetTagTooLong', { input: quote(original), suffix: TARGET_TAG_SUFFIX, max: MAX_TAG_LENGTH }),
    );
  }
  // Neither the name nor the tag can contain '@', and the input ends with ':' + tag once the digest is cut off.
  let spelled = original;
  const at = spelled.indexOf('@');
  if (at >= 0) spelled = spelled.slice(0, at);
  if (ref.tag !== undefined) spelled = spelled.slice(0, spelled.length - ref.tag.length - 1);
  return `${spelled}:${targetTag}`;
}

/** ParseNormalizedNamed + Parse; returns the reason on failure, so tryParse never throws. */
function parse(input: string): ImageReference | Render {
  if (typeof input !== 'string' || input === '') return EMPTY;
  if (IDENTIFIER_RE.test(input)) return IMAGE_ID;

  const slash = input.indexOf('/');
  let domain = DEFAULT_DOMAIN;
  let remainder = input;
  if (slash >= 0) {
    const first = input.slice(0, slash);
    // splitDockerDomain: the first component is a registry if it is localhost, has '.' or ':', or has uppercase
    // letters (repository paths are lowercase, so it cannot be a path component).
    if (first === LOCALHOST || first.includes('.') || first.includes(':') || first.toLowerCase() !== first) {
      domain = first === LEGACY_DEFAULT_DOMAIN ? DEFAULT_DOMAIN : first;
      remainder = input.slice(slash + 1);
    }
  }
  // Like distribution, this looks at the remainder including any tag or digest; neither can contain '/'.
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;

  const colon = remainder.indexOf(':');
  const remote = colon >= 0 ? remainder.slice(0, colon) : remainder;
  if (remote.toLowerCase() !== remote) return UPPERCASE;

  const s = `${domain}/${remainder}`;
  const m = REFERENCE_RE.exec(s);
  if (m === null) {
    const lower = s.toLowerCase();
    if (lower !== s && REFERENCE_RE.test(lower)) return UPPERCASE;
    return diagnose(s);
  }

  const name = m[1] ?? '';
  const nm = ANCHORED_NAME_RE.exec(name);
  const refDomain = nm !== null ? (nm[1] ?? '') : '';
  const path = nm !== null ? (nm[2] ?? name) : name;
  if (path.length > MAX_PATH_LENGTH) return PATH_TOO_LONG;

  const refTag = m[2];
  const refDigest = m[3];
  if (refDigest !== undefined) {
    const problem = checkDigest(refDigest);
    if (problem !== undefined) return problem;
  }
  const ref: { domain: string; path: string; tag?: string; digest?: string } = { domain: refDomain, path };
  if (refTag !== undefined) ref.tag = refTag;
  if (refDigest !== undefined) ref.digest = refDigest;
  return ref;
}

/**
 * go-digest's Digest.Validate with the algorithms a runtime registers (sha256, sha384, sha512): the encoded part
 * must be lowercase hex of exactly the algorithm's length.
 */
function checkDigest(digest: string): Render | undefined {
  const i = digest.indexOf(':');
  const algorithm = digest.slice(0, i);
  const encoded = digest.slice(i + 1);
  let hexLength: number;
  switch (algorithm) {
    case 'sha256': hexLength = 64; break;
    case 'sha384': hexLength = 96; break;
    case 'sha512': hexLength = 128; break;
    default: return (tr) => tr('ucloud.refDigestAlgorithm', { algorithm: quote(algorithm) });
  }
  if (encoded.length !== hexLength) {
    const want = hexLength;
    return (tr) => tr('ucloud.refDigestLength', { algorithm, want, got: encoded.length });
  }
  if (!LOWER_HEX_RE.test(encoded)) return (tr) => tr('ucloud.refDigestCase', { algorithm });
  return undefined;
}

/** Names the part that broke the grammar; distribution only says "invalid reference format". */
function diagnose(s: string): Render {
  const at = s.indexOf('@');
  const beforeDigest = at >= 0 ? s.slice(0, at) : s;
  const digest = at >= 0 ? s.slice(at + 1) : undefined;
  const slash = beforeDigest.lastIndexOf('/');
  const colon = beforeDigest.indexOf(':', slash + 1);
  const name = colon >= 0 ? beforeDigest.slice(0, colon) : beforeDigest;
  const refTag = colon >= 0 ? beforeDigest.slice(colon + 1) : undefined;
  if (!ANCHORED_NAME_RE.test(name)) return INVALID_FORMAT;
  if (refTag !== undefined && !ANCHORED_TAG_RE.test(refTag)) {
    if (refTag.length > MAX_TAG_LENGTH) return TAG_TOO_LONG;
    return (tr) => tr('ucloud.refTagChars', { tag: quote(refTag) });
  }
  if (digest !== undefined && !ANCHORED_DIGEST_RE.test(digest)) {
    return (tr) => tr('ucloud.refDigestFormat', { digest: quote(digest) });
  }
  return INVALID_FORMAT;
}

function quote(s: string): string {
  return JSON.stringify(s.length > 300 ? `${s.slice(0, 300)}…` : s);
}
