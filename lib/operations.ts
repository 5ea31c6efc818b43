import { setTimeout as delay } from 'node:timers/promises';
import type { AccelerationApi, AccelerationState, AcceleratedImage, EnableRequest } from './ucloud/acceleration.ts';
import { operationInProgress } from './ucloud/acceleration.ts';
import { UCloudApiError, UCloudCancelledError, UCloudTransportError } from './ucloud/errors.ts';
import { UserError, refused } from './errors.ts';
import { defaultTargetImage, parseImageReference, sameImage, sameImageString, tryParseImageReference } from './image/reference.ts';
import { formatDuration } from './duration.ts';
import { t } from './i18n/index.ts';

export interface WaitOptions {
  /** 0 = no limit. */
  readonly timeoutMs: number;
  /**
   * When the whole command must be done (epoch ms): waiting for a queued operation and the operation itself share one
   * --timeout, and so do the images of a multi-image command. Default: `timeoutMs` from the start of this wait.
   */
  readonly deadline?: number | undefined;
  /** What is being waited for, when it is not the command's own operation (e.g. another operation in progress). */
  readonly waitingFor?: string | undefined;
  readonly pollIntervalMs: number;
  /**
   * How long the status may fail to be read, poll after poll, before the wait gives up (exit 4, saying why) instead
   * of retrying until --timeout. Default 2 minutes; 0 = never give up for that.
   */
  readonly maxReadFailureMs?: number | undefined;
  /** Called after every poll with the state just read (and on transient read errors with `readError`). */
  readonly onProgress?: ((progress: Progress) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface Progress {
  readonly state: AccelerationState | undefined;
  readonly elapsedMs: number;
  readonly readError?: string | undefined;
  /** Set while waiting for something else to finish first (WaitOptions.waitingFor). */
  readonly waitingFor?: string | undefined;
}

/** What an operation ended with; `state` is the last state read. */
export interface OperationResult {
  readonly state: AccelerationState;
  /** False with --no-wait: the operation was accepted and is still running. */
  readonly finished: boolean;
  /** Set when the request failed in transit but the re-read status shows it was applied anyway. */
  readonly recoveredFrom?: string | undefined;
}

export type Done = 'done' | 'pending' | { readonly failed: string; readonly hints?: readonly string[] };

/** Finds an accelerated image by its original or its target reference (image identity, not substring). */
export function findAcceleration(images: readonly AcceleratedImage[], image: string): AcceleratedImage | undefined {
  // Exactly the name UCloud lists comes first: it is the only way to an image our grammar rejects (e.g. upper case
  // from an older API), and `list -o name` prints exactly that.
  const exact = images.find((img) => img.originalImage === image || img.targetImage === image);
  if (exact) return exact;
  const ref = parseImageReference(image);
  return images.find((img) => {
    const original = tryParseImageReference(img.originalImage);
    const target = tryParseImageReference(img.targetImage);
    return (original !== undefined && sameImage(original, ref)) || (target !== undefined && sameImage(target, ref));
  });
}

export function findByOriginal(images: readonly AcceleratedImage[], original: string): AcceleratedImage | undefined {
  const ref = parseImageReference(original);
  return images.find((img) => {
    const parsed = tryParseImageReference(img.originalImage);
    return parsed !== undefined && sameImage(parsed, ref);
  });
}

export function requireEnabled(state: AccelerationState): void {
  if (!state.enabled) {
    throw refused(t('operation.rule.notEnabled', { cluster: state.clusterId }), t('operation.rule.notEnabledHint'));
  }
}

export function requireIdle(state: AccelerationState): void {
  if (operationInProgress(state)) {
    throw refused(t('operation.rule.busy', { cluster: state.clusterId, status: state.status }), t('operation.rule.busyHint'));
  }
}

export function requireImagesKnown(state: AccelerationState): void {
  if (!state.imagesKnown) {
    const message = !state.agentReady
      ? t('operation.rule.imagesUnknownAgent', { cluster: state.clusterId })
      : t('operation.rule.imagesUnknownStatus', { cluster: state.clusterId, status: state.status });
    throw refused(message, t('operation.rule.imagesUnknownHint'));
  }
}

/**
 * Whether a new operation can start now: acceleration is off, or no operation runs and the image list is readable
 * (the agent is ready). UCloud runs one operation per cluster at a time; an agent that is not ready means enabling or
 * a disable's teardown is still under way (the API does not tell them apart).
 */
export function settled(state: AccelerationState): boolean {
  return !state.enabled || state.imagesKnown;
}

/** What a command that has to queue is waiting for, in the user's words ("Waiting for …"). */
export function busyReason(state: AccelerationState): string {
  const cluster = state.clusterId;
  if (operationInProgress(state)) return t(state.status === 'Creating' ? 'operation.busy.creating' : 'operation.busy.deleting', { cluster });
  if (!state.agentReady) return t('operation.busy.agent', { cluster });
  return t('operation.busy.status', { cluster, status: state.status });
}

/**
 * With `wait`, waits (within its deadline) until a new operation can start, and returns the state then; without it,
 * returns `state` unchanged so that the caller's checks refuse as before (--no-wait). `waited` tells the caller that
 * what it checked before (e.g. the in-use scan) is stale.
 */
export async function waitUntilSettled(
  api: AccelerationApi,
  state: AccelerationState,
  wait: WaitOptions | undefined,
): Promise<{ state: AccelerationState; waited: boolean }> {
  if (!wait || settled(state)) return { state, waited: false };
  const reason = busyReason(state);
  const after = await waitFor(api, (s) => (settled(s) ? 'done' : 'pending'), reason, { ...wait, waitingFor: reason });
  return { state: after, waited: true };
}

/**
 * Nothing is sent once --timeout has run out (e.g. during a long in-use scan): an operation started then could not be
 * followed, and the command would end "timed out" with something it started still running. `message` says what was
 * not sent ("--timeout ran out before …").
 */
export function requireTimeLeft(deadline: number | undefined, message: string): void {
  if (deadline !== undefined && Date.now() >= deadline) {
    throw new UserError('timeout', message, [t('operation.wait.timeLeftHint')]);
  }
}

const DEFAULT_MAX_READ_FAILURE_MS = 120_000;

/**
 * Polls until `check` says done or failed, or the time runs out. Read errors are transient while waiting, for a while:
 * reads failing for maxReadFailureMs in a row end the wait.
 */
export async function waitFor(
  api: AccelerationApi,
  check: (state: AccelerationState) => Done,
  what: string,
  options: WaitOptions,
): Promise<AccelerationState> {
  const started = Date.now();
  const deadline = options.deadline ?? (options.timeoutMs > 0 ? started + options.timeoutMs : undefined);
  const waitingFor = options.waitingFor;
  let last: AccelerationState | undefined;
  let lastError: string | undefined;
  const maxReadFailureMs = options.maxReadFailureMs ?? DEFAULT_MAX_READ_FAILURE_MS;
  let failingSince: number | undefined;
  const timedOut = (): UserError =>
    new UserError(
      'timeout',
      t('operation.wait.timedOut', { duration: formatDuration(Date.now() - started), what }) +
        (last ? (last.error ? t('operation.wait.lastStatusError', { status: last.status, error: last.error }) : t('operation.wait.lastStatus', { status: last.status })) : '') +
        (lastError ? t('operation.wait.lastError', { error: lastError }) : ''),
      [waitingFor ? t('operation.wait.nothingSentHint') : t('operation.wait.mayFinishHint')],
    );
  for (;;) {
    try {
      last = await api.get();
      lastError = undefined;
      failingSince = undefined;
      options.onProgress?.({ state: last, elapsedMs: Date.now() - started, waitingFor });
      const verdict = check(last);
      if (verdict === 'done') return last;
      if (verdict !== 'pending') throw new UserError('failed', t('operation.wait.failed', { what, detail: verdict.failed }), verdict.hints ?? []);
    } catch (err) {
      // The command's --timeout cut a status read short: the wait is over, whichever timer fired first.
      if (err instanceof UCloudCancelledError) throw timedOut();
      if (!(err instanceof UCloudApiError || err instanceof UCloudTransportError)) throw err;
      lastError = err.message;
      options.onProgress?.({ state: last, elapsedMs: Date.now() - started, readError: err.message, waitingFor });
      failingSince ??= Date.now();
      if (maxReadFailureMs > 0 && Date.now() - failingSince >= maxReadFailureMs) {
        throw new UserError(
          'timeout',
          t('operation.wait.gaveUp', { what, duration: formatDuration(Date.now() - failingSince) }) +
            (last ? t('operation.wait.lastSeen', { status: last.status }) : '') +
            t('operation.wait.lastError', { error: firstLine(err.message) }),
          [waitingFor ? t('operation.wait.unreadableNothingSentHint') : t('operation.wait.unreadableRunningHint')],
        );
      }
    }
    const now = Date.now();
    if (deadline !== undefined && now >= deadline) throw timedOut();
    const remaining = deadline !== undefined ? deadline - now : options.pollIntervalMs;
    await delay(Math.min(options.pollIntervalMs, Math.max(1, remaining)), undefined, { signal: options.signal });
  }
}

/**
 * A RetCode that does not prove the request was turned down before it took effect: server-side errors (≥ 2000, which
 * the official SDKs treat as retryable), 110 (the API timed out) and 150 (service unavailable). The lower codes are
 * the gateway's or the service's definite "no".
 */
export function retCodeIsAmbiguous(retCode: number): boolean {
  return retCode >= 2000 || retCode === 110 || retCode === 150;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/**
 * Sends a mutating action once. If the answer does not say whether it took effect (failed in transit, or an
 * ambiguous RetCode), asks UCloud what happened instead of sending it again: `applied(state)` decides from a fresh
 * status. When it cannot be told, the advice is to look before retrying: a request may still be applied later.
 */
async function sendOnce(
  api: AccelerationApi,
  send: () => Promise<void>,
  applied: (state: AccelerationState) => boolean,
): Promise<string | undefined> {
  try {
    await send();
    return undefined;
  } catch (err) {
    const ambiguous = (err instanceof UCloudTransportError && err.ambiguous) || (err instanceof UCloudApiError && retCodeIsAmbiguous(err.retCode));
    if (!ambiguous) throw err;
    const message = firstLine(err.message);
    let state: AccelerationState;
    try {
      state = await api.get();
    } catch {
      throw new UserError('failed', t('operation.send.unreadable', { message }), [t('operation.send.checkHint')]);
    }
    if (applied(state)) return message;
    throw new UserError('failed', t('operation.send.unknown', { message, state: describeState(state) }), [t('operation.send.mayApplyHint')]);
  }
}

function describeState(s: AccelerationState): string {
  if (!s.enabled) return t('operation.state.disabled');
  return t('operation.state.status', { status: s.status }) + (s.agentReady ? '' : t('operation.state.agentNotReady')) + (s.error ? t('operation.state.error', { error: s.error }) : '');
}

/** How many polls an error left from before this attempt may stand before it is reported as inconclusive. */
const STALE_ERROR_POLLS = 3;

/**
 * Follows one create or delete to its end. Status is cluster-wide and an error of an earlier attempt stays until the
 * next operation starts, so an error counts as this attempt's only when something changed since `before`: another
 * status was seen, or the error text differs (a failure so quick that no poll saw the operation running). The same
 * error still standing after a few polls cannot be told apart from a stale one: that is said, not guessed.
 */
function followOperation(
  before: AccelerationState,
  errorStatus: 'CreateError' | 'DeleteError',
  done: (s: AccelerationState) => boolean,
): (s: AccelerationState) => Done {
  let sawOther = false;
  let sameErrorPolls = 0;
  return (s) => {
    if (s.status !== errorStatus) sawOther = true;
    if (s.status === 'Ready' && done(s)) return 'done';
    if (s.status !== errorStatus) return 'pending';
    const detail = s.error ?? t('operation.wait.noDetails', { status: errorStatus });
    if (sawOther || before.status !== errorStatus || s.error !== before.error) return { failed: detail };
    if (++sameErrorPolls < STALE_ERROR_POLLS) return 'pending';
    return {
      failed: t('operation.wait.staleError', { status: errorStatus, detail }),
      hints: [t('operation.send.checkHint')],
    };
  };
}

/** An error of this attempt: the status left `before`'s, or shows a new error. */
function newError(before: AccelerationState, s: AccelerationState, errorStatus: 'CreateError' | 'DeleteError'): boolean {
  return s.status === errorStatus && (before.status !== errorStatus || s.error !== before.error);
}

export interface CreateRequest {
  readonly originalImage: string;
  readonly targetImage: string;
}

/** Checks done before CreateUK8SImageAccelerate; pure so that --dry-run shows the same refusals. */
export function checkCreate(state: AccelerationState, req: CreateRequest): void {
  requireEnabled(state);
  requireIdle(state);
  requireImagesKnown(state);
  const existing = findByOriginal(state.images, req.originalImage);
  if (existing) {
    throw refused(
      t('operation.rule.alreadyAccelerated', { original: req.originalImage, target: existing.targetImage }),
      t('operation.rule.alreadyAcceleratedHint', { original: req.originalImage }),
    );
  }
  const target = parseImageReference(req.targetImage);
  const clash = state.images.find((img) => {
    const t = tryParseImageReference(img.targetImage);
    return t !== undefined && sameImage(t, target);
  });
  if (clash) throw refused(t('operation.rule.targetTaken', { target: req.targetImage, original: clash.originalImage }));
  // Accelerating a target image would publish X-acc-acc: almost certainly a slip for its original.
  const original = parseImageReference(req.originalImage);
  const ofTarget = state.images.find((img) => {
    const t = tryParseImageReference(img.targetImage);
    return t !== undefined && sameImage(t, original);
  });
  if (ofTarget) {
    throw refused(
      t('operation.rule.isTarget', { image: req.originalImage, original: ofTarget.originalImage, target: req.targetImage }),
      t('operation.rule.isTargetHint', { image: req.originalImage }),
    );
  }
}

/** Sends the create (`before` already passed checkCreate) and follows it to Ready or CreateError. */
export async function createAcceleration(
  api: AccelerationApi,
  req: CreateRequest,
  before: AccelerationState,
  wait: WaitOptions | undefined,
): Promise<OperationResult> {
  const present = (s: AccelerationState): boolean => s.imagesKnown && findByOriginal(s.images, req.originalImage) !== undefined;
  const recoveredFrom = await sendOnce(
    api,
    () => api.create(req.originalImage, req.targetImage),
    (s) => s.status === 'Creating' || present(s) || newError(before, s, 'CreateError'),
  );
  if (!wait) return { state: await api.get(), finished: false, recoveredFrom };
  const state = await waitFor(api, followOperation(before, 'CreateError', present), t('operation.wait.create', { image: req.originalImage }), wait);
  return { state, finished: true, recoveredFrom };
}

/**
 * Resolves IMAGE (original or target) to the acceleration to delete, with the same refusals as the real call. With
 * `force`, an image UCloud does not list (one a CreateError left behind) is still deleted by the name given.
 */
export function checkDelete(state: AccelerationState, image: string, force = false): AcceleratedImage {
  requireEnabled(state);
  requireIdle(state);
  requireImagesKnown(state);
  const found = findAcceleration(state.images, image);
  if (!found) {
    if (force) return { originalImage: image, targetImage: defaultTargetImageOrSame(image), sizeBytes: 0, layers: 0, listed: false };
    throw new UserError('not-found', t('operation.rule.notFound', { image, cluster: state.clusterId }), [t('operation.rule.notFoundHint')]);
  }
  return found;
}

/** The target an unlisted original would have had by default; a digest-only reference has none but itself. */
function defaultTargetImageOrSame(image: string): string {
  const ref = parseImageReference(image);
  return ref.tag === undefined && ref.digest !== undefined ? image : defaultTargetImage(image);
}

export async function deleteAcceleration(
  api: AccelerationApi,
  found: AcceleratedImage,
  before: AccelerationState,
  wait: WaitOptions | undefined,
): Promise<OperationResult> {
  const gone = (s: AccelerationState): boolean => s.imagesKnown && findByOriginal(s.images, found.originalImage) === undefined;
  // An unlisted image is "gone" before and after: only the status tells whether the delete ran.
  const listed = found.listed !== false;
  const recoveredFrom = await sendOnce(
    api,
    () => api.delete(found.originalImage),
    (s) => s.status === 'Deleting' || (listed && gone(s)) || newError(before, s, 'DeleteError'),
  );
  if (!wait) return { state: await api.get(), finished: false, recoveredFrom };
  // For an unlisted image "gone" holds from the start: only a Deleting seen since tells that the delete ran.
  let sawDeleting = false;
  const follow = followOperation(before, 'DeleteError', (s) => gone(s) && (listed || sawDeleting));
  const check = (s: AccelerationState): Done => {
    if (s.status === 'Deleting') sawDeleting = true;
    return follow(s);
  };
  const state = await waitFor(api, check, t('operation.wait.delete', { image: found.originalImage }), wait);
  return { state, finished: true, recoveredFrom };
}

export async function enableAcceleration(
  api: AccelerationApi,
  req: EnableRequest,
  wait: WaitOptions | undefined,
): Promise<OperationResult> {
  const recoveredFrom = await sendOnce(api, () => api.enable(req), (s) => s.enabled);
  if (!wait) return { state: await api.get(), finished: false, recoveredFrom };
  // AgentReady stays false for a while after enabling; that is normal, so wait for it rather than report it.
  const state = await waitFor(api, (s) => (s.enabled && s.nfsReady && s.agentReady ? 'done' : 'pending'), t('operation.wait.enable'), wait);
  return { state, finished: true, recoveredFrom };
}

/**
 * A disable tears down for a while with Enable still true; the agent goes first. So after an ambiguous failure, an
 * agent that was ready and no longer is shows the teardown under way: the request was taken.
 */
export function teardownUnderWay(before: AccelerationState, s: AccelerationState): boolean {
  return !s.enabled || (before.agentReady && !s.agentReady);
}

export async function disableAcceleration(api: AccelerationApi, before: AccelerationState, wait: WaitOptions | undefined): Promise<OperationResult> {
  const recoveredFrom = await sendOnce(api, () => api.disable(), (s) => teardownUnderWay(before, s));
  if (!wait) return { state: await api.get(), finished: false, recoveredFrom };
  const state = await waitFor(api, (s) => (s.enabled ? 'pending' : 'done'), t('operation.wait.disable'), wait);
  return { state, finished: true, recoveredFrom };
}

/**
 * The accelerations `patch` may switch workloads to: UCloud's Ready ones, or the `--image` pairs given, each checked
 * against UCloud's list when UCloud shows it (a pair UCloud does not have would move Pods to an image that is not
 * accelerated). `warning` says when the pairs could not be checked.
 */
export function patchAccelerations(
  state: AccelerationState,
  pairs: readonly CreateRequest[],
): { readonly accelerations: readonly CreateRequest[]; readonly warning?: string | undefined } {
  // Without acceleration no target image can be pulled the accelerated way, whatever the pairs.
  requireEnabled(state);
  if (pairs.length === 0) {
    requireImagesKnown(state);
    return { accelerations: state.images };
  }
  if (!state.imagesKnown) {
    return {
      accelerations: pairs,
      warning: t('operation.rule.pairsUnchecked', { cluster: state.clusterId, status: state.status }),
    };
  }
  for (const pair of pairs) {
    const found = findByOriginal(state.images, pair.originalImage);
    if (!found || !sameImageString(found.targetImage, pair.targetImage)) {
      const names = { original: pair.originalImage, target: pair.targetImage, cluster: state.clusterId };
      throw refused(
        found ? t('operation.rule.noSuchPairTarget', { ...names, current: found.targetImage }) : t('operation.rule.noSuchPair', names),
        t('operation.rule.noSuchPairHint', { original: pair.originalImage, target: pair.targetImage }),
      );
    }
  }
  return { accelerations: pairs };
}
