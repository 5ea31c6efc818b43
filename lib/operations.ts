import { setTimeout as delay } from 'node:timers/promises';
import type { AccelerationApi, AccelerationState, AcceleratedImage, EnableRequest } from './ucloud/acceleration.ts';
import { operationInProgress } from './ucloud/acceleration.ts';
import { UCloudApiError, UCloudTransportError } from './ucloud/errors.ts';
import { UserError, refused } from './errors.ts';
import { parseImageReference, sameImage, tryParseImageReference } from './image/reference.ts';
import { formatDuration } from './duration.ts';

export interface WaitOptions {
  /** 0 = no limit. */
  readonly timeoutMs: number;
  readonly pollIntervalMs: number;
  /** Called after every poll with the state just read (and on transient read errors with `readError`). */
  readonly onProgress?: ((progress: Progress) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface Progress {
  readonly state: AccelerationState | undefined;
  readonly elapsedMs: number;
  readonly readError?: string | undefined;
}

/** What an operation ended with; `state` is the last state read. */
export interface OperationResult {
  readonly state: AccelerationState;
  /** False with --no-wait: the operation was accepted and is still running. */
  readonly finished: boolean;
  /** Set when the request failed in transit but the re-read status shows it was applied anyway. */
  readonly recoveredFrom?: string | undefined;
}

export type Done = 'done' | 'pending' | { failed: string };

/** Finds an accelerated image by its original or its target reference (image identity, not substring). */
export function findAcceleration(images: readonly AcceleratedImage[], image: string): AcceleratedImage | undefined {
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
    throw refused(
      `image acceleration is not enabled on cluster ${state.clusterId}`,
      'hint: enable it first with `kubectl uimgacc enable`',
    );
  }
}

export function requireIdle(state: AccelerationState): void {
  if (operationInProgress(state)) {
    throw refused(
      `another operation is in progress on cluster ${state.clusterId} (status ${state.status}); UCloud runs one at a time`,
      'hint: wait for it with `kubectl uimgacc status --watch`, then retry',
    );
  }
}

export function requireImagesKnown(state: AccelerationState): void {
  if (!state.imagesKnown) {
    const why = !state.agentReady ? 'the acceleration agent (kube-system/uimgacc-agent) is not ready yet' : `the status is ${state.status}`;
    throw refused(
      `the list of accelerated images of cluster ${state.clusterId} is not available right now: ${why}`,
      'hint: retry in a minute; `kubectl uimgacc status` shows when the agent is ready',
    );
  }
}

/** Polls until `check` says done or failed, or the time runs out. Read errors are transient while waiting. */
export async function waitFor(
  api: AccelerationApi,
  check: (state: AccelerationState) => Done,
  what: string,
  options: WaitOptions,
): Promise<AccelerationState> {
  const started = Date.now();
  let last: AccelerationState | undefined;
  let lastError: string | undefined;
  for (;;) {
    try {
      last = await api.get();
      lastError = undefined;
      options.onProgress?.({ state: last, elapsedMs: Date.now() - started });
      const verdict = check(last);
      if (verdict === 'done') return last;
      if (verdict !== 'pending') throw new UserError('failed', `${what} failed: ${verdict.failed}`);
    } catch (err) {
      if (!(err instanceof UCloudApiError || err instanceof UCloudTransportError)) throw err;
      lastError = err.message;
      options.onProgress?.({ state: last, elapsedMs: Date.now() - started, readError: err.message });
    }
    const elapsed = Date.now() - started;
    if (options.timeoutMs > 0 && elapsed >= options.timeoutMs) {
      throw new UserError(
        'timeout',
        `timed out after ${formatDuration(elapsed)} waiting for ${what}` +
          (last ? ` (status ${last.status})` : '') +
          (lastError ? `; last error: ${lastError}` : ''),
        ['hint: the operation may still finish; check with `kubectl uimgacc status`'],
      );
    }
    const remaining = options.timeoutMs > 0 ? options.timeoutMs - elapsed : options.pollIntervalMs;
    await delay(Math.min(options.pollIntervalMs, Math.max(1, remaining)), undefined, { signal: options.signal });
  }
}

/**
 * Sends a mutating action once. If it fails in transit, asks UCloud what happened instead of sending it again:
 * `applied(state)` decides from a fresh status whether the request took effect.
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
    if (!(err instanceof UCloudTransportError) || !err.ambiguous) throw err;
    let state: AccelerationState;
    try {
      state = await api.get();
    } catch {
      throw new UserError('failed', `${err.message}; the status could not be re-read, so it is unknown whether the request took effect`, [
        'hint: check `kubectl uimgacc status` before retrying',
      ]);
    }
    if (applied(state)) return err.message;
    throw new UserError('failed', `${err.message}; the status shows the request did not take effect, so it is safe to retry`);
  }
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
      `${req.originalImage} is already accelerated as ${existing.targetImage}`,
      `hint: to re-create it, delete it first with \`kubectl uimgacc delete ${req.originalImage}\``,
    );
  }
  const target = parseImageReference(req.targetImage);
  const clash = state.images.find((img) => {
    const t = tryParseImageReference(img.targetImage);
    return t !== undefined && sameImage(t, target);
  });
  if (clash) throw refused(`target image ${req.targetImage} is already the target of ${clash.originalImage}`);
}

export async function createAcceleration(
  api: AccelerationApi,
  req: CreateRequest,
  wait: WaitOptions | undefined,
): Promise<OperationResult> {
  const before = await api.get();
  checkCreate(before, req);
  const present = (s: AccelerationState): boolean => s.imagesKnown && findByOriginal(s.images, req.originalImage) !== undefined;
  const recoveredFrom = await sendOnce(api, () => api.create(req.originalImage, req.targetImage), (s) => s.status === 'Creating' || present(s));
  if (!wait) return { state: await api.get(), finished: false, recoveredFrom };
  let sawCreating = false;
  const state = await waitFor(
    api,
    (s) => {
      if (s.status === 'Creating') sawCreating = true;
      if (s.status === 'Ready' && present(s)) return 'done';
      // An error left over from an earlier operation may linger until UCloud picks ours up.
      if (s.status === 'CreateError' && (sawCreating || before.status !== 'CreateError')) {
        return { failed: s.error ?? 'UCloud reported CreateError without details' };
      }
      return 'pending';
    },
    `the acceleration of ${req.originalImage}`,
    wait,
  );
  return { state, finished: true, recoveredFrom };
}

/** Resolves IMAGE (original or target) to the acceleration to delete, with the same refusals as the real call. */
export function checkDelete(state: AccelerationState, image: string): AcceleratedImage {
  requireEnabled(state);
  requireIdle(state);
  requireImagesKnown(state);
  const found = findAcceleration(state.images, image);
  if (!found) {
    throw new UserError('not-found', `no acceleration of ${image} on cluster ${state.clusterId}`, [
      'hint: `kubectl uimgacc list` shows the accelerated images',
    ]);
  }
  return found;
}

export async function deleteAcceleration(
  api: AccelerationApi,
  found: AcceleratedImage,
  before: AccelerationState,
  wait: WaitOptions | undefined,
): Promise<OperationResult> {
  const gone = (s: AccelerationState): boolean => s.imagesKnown && findByOriginal(s.images, found.originalImage) === undefined;
  const recoveredFrom = await sendOnce(api, () => api.delete(found.originalImage), (s) => s.status === 'Deleting' || gone(s));
  if (!wait) return { state: await api.get(), finished: false, recoveredFrom };
  let sawDeleting = false;
  const state = await waitFor(
    api,
    (s) => {
      if (s.status === 'Deleting') sawDeleting = true;
      if (s.status === 'Ready' && gone(s)) return 'done';
      if (s.status === 'DeleteError' && (sawDeleting || before.status !== 'DeleteError')) {
        return { failed: s.error ?? 'UCloud reported DeleteError without details' };
      }
      return 'pending';
    },
    `the deletion of ${found.originalImage}`,
    wait,
  );
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
  const state = await waitFor(api, (s) => (s.enabled && s.nfsReady && s.agentReady ? 'done' : 'pending'), 'image acceleration to be enabled', wait);
  return { state, finished: true, recoveredFrom };
}

export async function disableAcceleration(api: AccelerationApi, wait: WaitOptions | undefined): Promise<OperationResult> {
  const recoveredFrom = await sendOnce(api, () => api.disable(), (s) => !s.enabled);
  if (!wait) return { state: await api.get(), finished: false, recoveredFrom };
  const state = await waitFor(api, (s) => (s.enabled ? 'pending' : 'done'), 'image acceleration to be disabled', wait);
  return { state, finished: true, recoveredFrom };
}
