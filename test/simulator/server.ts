import { createHash, randomUUID } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A UCloud API gateway for the five image-acceleration actions, close enough to the real service for the plugin's
 * tests, the benchmarks and the sandbox: it verifies signatures with its own implementation of UCloud's algorithm, keeps one cluster-wide Status
 * per cluster with asynchronous Creating/Deleting/agent start-up, hides Images while busy as the real API does, and
 * injects faults (from TypeScript, or over HTTP under /_sim/ so that another process can drive it).
 *
 * RetCodes the real gateway documents (160, 161, 170, 171, 172, 230, 292) are used as documented. The UK8S action
 * errors (6xx) are not documented anywhere, so their values are our choice. They are kept under 2000 on purpose: the
 * official SDKs (and our client) treat RetCode >= 2000 as a retryable server error, and these refusals are final.
 * Each refusal has its own code so tests can tell them apart; the messages mimic the API's terse English.
 */
export const RET = {
  missingAction: 160,
  noSuchAction: 161,
  missingSignature: 170,
  badSignature: 171,
  noSuchUser: 172,
  missingParams: 230,
  /** A request body the gateway cannot parse (malformed JSON). */
  invalidParams: 231,
  noSuchProject: 292,
  /** Unknown ClusterId, or a cluster that lives in another Region than the one sent. */
  clusterNotFound: 600,
  alreadyEnabled: 601,
  notEnabled: 602,
  /** Creating/Deleting, or a Disable still tearing down: UCloud runs one operation per cluster at a time. */
  operationInProgress: 603,
  alreadyAccelerated: 604,
  notAccelerated: 605,
  /** Inferred: creating needs the agent, which does the conversion, so Create is refused until AgentReady. */
  agentNotReady: 606,
} as const;

/** The actions the simulator implements; anything else is RetCode 161. */
export const ACTIONS = [
  'GetUK8SImageAccelerate',
  'EnableUK8SImageAccelerate',
  'DisableUK8SImageAccelerate',
  'CreateUK8SImageAccelerate',
  'DeleteUK8SImageAccelerate',
] as const;
export type SimAction = (typeof ACTIONS)[number];

export const REQUEST_ID_HEADER = 'X-UCLOUD-REQUEST-UUID';
/** Admin endpoints live under this path on the same server (the real API is served at `/`). */
export const ADMIN_PREFIX = '/_sim';

export type AccelerationStatus = 'Ready' | 'Creating' | 'CreateError' | 'Deleting' | 'DeleteError' | 'Unknown';
const STATUSES: readonly AccelerationStatus[] = ['Ready', 'Creating', 'CreateError', 'Deleting', 'DeleteError', 'Unknown'];

export interface SimImage {
  OriginalImage: string;
  TargetImage: string;
  /** Bytes. */
  Size: number;
  Layers: number;
}

/** An image as tests may give it: Size and Layers default to `imageStats(OriginalImage)`. */
export type SimImageInit = Pick<SimImage, 'OriginalImage' | 'TargetImage'> & Partial<SimImage>;

/** One cluster's acceleration state, with the field names of the GetUK8SImageAccelerate response. */
export interface SimClusterState {
  Enable: boolean;
  NfsReady: boolean;
  AgentReady: boolean;
  Status: AccelerationStatus;
  Error: string;
  /** The true list; Get hides it while busy or while the agent is not ready. */
  Images: SimImage[];
  /**
   * Original images a failed create left half-converted on the NFS: never listed by Get, but Delete accepts them (the
   * way to clean up after a CreateError). Not part of the Get response.
   */
  Leftovers: string[];
  SubnetId: string;
  NfsAddr: string;
}

/** A partial state to merge into a cluster (initial state, `setCluster`, POST /_sim/clusters/<id>). */
export interface SimClusterPatch extends Partial<Omit<SimClusterState, 'Images'>> {
  readonly Images?: readonly SimImageInit[];
}

export interface SimClusterInit extends SimClusterPatch {
  readonly clusterId: string;
  /** Requests must send this Region, or the cluster is not found (as with a real cluster in another region). */
  readonly region: string;
}

export interface SimAccount {
  readonly publicKey: string;
  readonly privateKey: string;
  /** Project IDs the key may use; undefined = any ProjectId is accepted. */
  readonly projects?: readonly string[] | undefined;
}

export interface SimulatorOptions {
  /** 0 (default) = a random free port. */
  readonly port?: number;
  readonly host?: string;
  readonly accounts: readonly SimAccount[];
  readonly clusters: readonly SimClusterInit[];
  /** Creating → Ready/CreateError. */
  readonly createDelayMs?: number;
  /** Deleting → Ready/DeleteError. */
  readonly deleteDelayMs?: number;
  /** How long AgentReady stays false after enabling. */
  readonly enableDelayMs?: number;
  /** How long a Disable tears down before Enable becomes false. */
  readonly disableDelayMs?: number;
}

export const DEFAULT_DELAYS = { createDelayMs: 200, deleteDelayMs: 200, enableDelayMs: 200, disableDelayMs: 100 } as const;

/** Which requests a response fault applies to: the next `times` (default 1) requests, of `action` if given. */
export interface FaultScope {
  readonly action?: string;
  readonly times?: number;
}

/**
 * What to answer instead of the normal response. `applied: true` processes the action first (its effects happen) and
 * only then misbehaves: the ambiguous failure a client must resolve by re-reading the status.
 */
export type ResponseFault = FaultScope &
  (
    | { readonly kind: 'http'; readonly status: number; /** Default: an nginx-style HTML page; '' = empty. */ readonly body?: string; readonly applied?: boolean }
    /** Never answer; the client has to give up. close() still ends the socket. */
    | { readonly kind: 'hang'; readonly applied?: boolean }
    /** Wait, then answer normally. */
    | { readonly kind: 'slow'; readonly ms: number }
    /**
     * Answer with this RetCode; `asString` sends it as a JSON string ("150"). Without `applied` the action is not
     * processed; with it, it is (a server error after the fact, e.g. RetCode 5000 from an overloaded backend).
     */
    | { readonly kind: 'retcode'; readonly code: number; readonly message?: string; readonly asString?: boolean; readonly applied?: boolean }
    /** Process normally but send RetCode as a string: "0" on success, e.g. "230" on an error. */
    | { readonly kind: 'string-retcode' }
    /** HTTP 200 with a body that is not JSON. Default: a truncated JSON object labelled application/json. */
    | { readonly kind: 'invalid-json'; readonly body?: string; readonly applied?: boolean }
    /** Shorthand kept for existing tests: `{ kind: 'http', status, applied: true }`. */
    | { readonly kind: 'apply-then-fail'; readonly status: number }
  );

/**
 * The next accepted Create/Delete (of `clusterId` / of `image` = the original image, if given) ends in
 * CreateError/DeleteError with `error` as the Error text (`fail-operation`), or stays Creating/Deleting until the test
 * changes the state with setCluster/reset (`hold-operation`: a wait that only the test can end, never a race against
 * the operation's delay). Decided when the operation is accepted.
 */
export interface OperationFault {
  readonly kind: 'fail-operation' | 'hold-operation';
  readonly operation: 'create' | 'delete';
  readonly error?: string;
  readonly clusterId?: string;
  readonly image?: string;
  readonly times?: number;
  /** Fail at once, when the request is accepted: no Get ever sees Creating/Deleting. */
  readonly immediate?: boolean;
}

export type Fault = ResponseFault | OperationFault;
export type FaultKindName = Fault['kind'];

export interface LoggedRequest {
  /** '' when the request had no Action. */
  readonly action: string;
  /** Everything sent except Signature, as flat strings. */
  readonly params: Readonly<Record<string, string>>;
  readonly signatureValid: boolean;
  readonly contentType: string;
  /** The X-UCLOUD-REQUEST-UUID sent back (or that would have been, for a hang). */
  readonly requestId: string;
  /** The response fault that hit this request, if any. */
  readonly fault?: FaultKindName;
  /** ISO time the request arrived. */
  readonly at: string;
}

export interface Simulator {
  /** Base URL, e.g. `http://127.0.0.1:40123`: use as UCLOUD_API_BASE_URL. */
  readonly url: string;
  readonly port: number;
  /** Queues a fault; throws on an invalid one (same validation as POST /_sim/faults). */
  addFault(fault: Fault): void;
  /** Drops all pending response and operation faults. */
  clearFaults(): void;
  /** Pending faults, with `times` = how many requests/operations each will still hit. */
  pendingFaults(): Fault[];
  requests(): LoggedRequest[];
  clearRequests(): void;
  /** A copy of the true state (Images not hidden). Throws for an unknown cluster. */
  cluster(clusterId: string): SimClusterState;
  clusters(): Record<string, SimClusterState>;
  /**
   * Merges `patch` into the state and cancels the cluster's pending transitions (create/delete/enable/disable
   * timers), so the state stays exactly what the test set.
   */
  setCluster(clusterId: string, patch: SimClusterPatch): SimClusterState;
  /** Back to the initial cluster states, no faults, empty request log. */
  reset(): void;
  /** Scheduled state transitions not yet run, including ones that setCluster/reset made void (they will do nothing). */
  transitionsPending(): number;
  /** Stops listening and ends every socket, including hung requests. Idempotent. */
  close(): Promise<void>;
}

/** Deterministic size (1–20 GiB plus some KiB) and layer count (3–32) for an image, like real accelerated images. */
export function imageStats(image: string): { Size: number; Layers: number } {
  const h = createHash('sha256').update(image).digest();
  return { Size: (1 + (h.readUInt32BE(0) % 20)) * 1024 ** 3 + h.readUInt16BE(4) * 1024, Layers: 3 + (h.readUInt8(6) % 30) };
}

/**
 * UCloud's signature as its documentation states it, written here apart from the plugin's lib/ucloud/signature.ts so
 * that a mistake there fails the tests instead of being agreed with: the parameters (PublicKey included, Signature not)
 * sorted by key in byte order, each key immediately followed by its value, then the private key; SHA-1, lower-case hex.
 * test/unit/signature.test.ts ties both to UCloud's official vectors.
 */
export function ucloudSignature(params: Readonly<Record<string, string>>, privateKey: string): string {
  const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
  const text = Object.keys(params)
    .sort(byteOrder)
    .map((k) => `${k}${params[k] ?? ''}`)
    .join('');
  return createHash('sha1').update(text + privateKey, 'utf8').digest('hex');
}

/** Invalid admin input: answered with HTTP 400. */
class FaultError extends Error {}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optString(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new FaultError(`fault field ${key} must be a string`);
  return v;
}

function optBool(o: Record<string, unknown>, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new FaultError(`fault field ${key} must be a boolean`);
  return v;
}

function int(o: Record<string, unknown>, key: string, min: number, max: number, required: true): number;
function int(o: Record<string, unknown>, key: string, min: number, max: number, required: false): number | undefined;
function int(o: Record<string, unknown>, key: string, min: number, max: number, required: boolean): number | undefined {
  const v = o[key];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new FaultError(`fault field ${key} must be an integer from ${min} to ${max}`);
  }
  return v;
}

/** Drops undefined fields so pending faults read back exactly as given. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Validates a fault from untyped input (the admin endpoint, or a test's typo) and returns a clean copy.
 * Throws an Error naming the problem.
 */
export function parseFault(value: unknown): Fault {
  if (!isRecord(value)) throw new FaultError('a fault must be a JSON object');
  const scope = { action: optString(value, 'action'), times: int(value, 'times', 1, Number.MAX_SAFE_INTEGER, false) };
  switch (value['kind']) {
    case 'http':
      return compact({ kind: 'http', status: int(value, 'status', 400, 599, true), body: optString(value, 'body'), applied: optBool(value, 'applied'), ...scope });
    case 'apply-then-fail':
      return compact({ kind: 'apply-then-fail', status: int(value, 'status', 400, 599, true), ...scope });
    case 'hang':
      return compact({ kind: 'hang', applied: optBool(value, 'applied'), ...scope });
    case 'slow':
      return compact({ kind: 'slow', ms: int(value, 'ms', 0, 600_000, true), ...scope });
    case 'retcode':
      return compact({
        kind: 'retcode',
        code: int(value, 'code', 1, Number.MAX_SAFE_INTEGER, true),
        message: optString(value, 'message'),
        asString: optBool(value, 'asString'),
        applied: optBool(value, 'applied'),
        ...scope,
      });
    case 'string-retcode':
      return compact({ kind: 'string-retcode', ...scope });
    case 'invalid-json':
      return compact({ kind: 'invalid-json', body: optString(value, 'body'), applied: optBool(value, 'applied'), ...scope });
    case 'fail-operation':
    case 'hold-operation': {
      const operation = value['operation'];
      if (operation !== 'create' && operation !== 'delete') throw new FaultError('fault field operation must be "create" or "delete"');
      return compact({
        kind: value['kind'],
        operation,
        error: optString(value, 'error'),
        clusterId: optString(value, 'clusterId'),
        image: optString(value, 'image'),
        times: scope.times,
        immediate: optBool(value, 'immediate'),
      });
    }
    default:
      throw new FaultError(
        `unknown fault kind ${JSON.stringify(value['kind'])}; known: http, hang, slow, retcode, string-retcode, invalid-json, apply-then-fail, fail-operation, hold-operation`,
      );
  }
}

/** Checks a state patch from untyped input (admin endpoint, SIM_STATE); unknown fields are an error, not ignored. */
export function parseClusterPatch(value: unknown): SimClusterPatch {
  if (!isRecord(value)) throw new FaultError('a cluster state must be a JSON object');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const ok =
      k === 'Enable' || k === 'NfsReady' || k === 'AgentReady'
        ? typeof v === 'boolean'
        : k === 'Error' || k === 'SubnetId' || k === 'NfsAddr'
          ? typeof v === 'string'
          : k === 'Status'
            ? (STATUSES as readonly unknown[]).includes(v)
            : k === 'Images'
              ? Array.isArray(v) && v.every((i) => isRecord(i) && typeof i['OriginalImage'] === 'string' && typeof i['TargetImage'] === 'string')
              : k === 'Leftovers'
                ? Array.isArray(v) && v.every((i) => typeof i === 'string')
                : false;
    if (!ok) throw new FaultError(`invalid cluster state field ${k}: ${JSON.stringify(v)}`);
    out[k] = v;
  }
  return out as SimClusterPatch;
}

/** A refusal the API answers with RetCode ≠ 0 (HTTP 200). */
class UCloudError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

interface ClusterEntry {
  readonly clusterId: string;
  readonly region: string;
  readonly initial: SimClusterState;
  state: SimClusterState;
  /** Bumped by disable/setCluster/reset: timers scheduled under an older epoch do nothing. */
  epoch: number;
  /** A Disable is tearing down (Enable still true until it ends). */
  disabling: boolean;
}

interface Pending<F> {
  readonly fault: F;
  remaining: number;
}

interface Outcome {
  readonly retCode: number;
  readonly message: string;
  readonly extra: Record<string, unknown>;
}

type Params = Record<string, string>;

const MAX_BODY_BYTES = 1024 * 1024;

function fullImages(images: readonly SimImageInit[]): SimImage[] {
  return images.map((img) => ({ ...imageStats(img.OriginalImage), ...img }));
}

function applyPatch(state: SimClusterState, patch: SimClusterPatch): void {
  const { Images, ...rest } = structuredClone(patch);
  Object.assign(state, rest);
  if (Images) state.Images = fullImages(Images);
}

/** The string a signer would have used for a JSON value (booleans true/false, integers plain decimal). */
function flattenJson(out: Params, key: string, value: unknown): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'string') out[key] = value;
  else if (typeof value === 'boolean') out[key] = value ? 'true' : 'false';
  else if (typeof value === 'number') out[key] = Number.isInteger(value) ? BigInt(value).toString() : String(value);
  // Not flat, but the gateway's flattening convention is unambiguous, so accept it rather than drop data.
  else if (Array.isArray(value)) value.forEach((item, i) => flattenJson(out, `${key}.${i}`, item));
  else if (isRecord(value)) for (const [k, v] of Object.entries(value)) flattenJson(out, `${key}.${k}`, v);
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** What nginx in front of an API answers on its own errors. */
function htmlErrorPage(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? ''}`.trim();
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const delays = {
    createDelayMs: options.createDelayMs ?? DEFAULT_DELAYS.createDelayMs,
    deleteDelayMs: options.deleteDelayMs ?? DEFAULT_DELAYS.deleteDelayMs,
    enableDelayMs: options.enableDelayMs ?? DEFAULT_DELAYS.enableDelayMs,
    disableDelayMs: options.disableDelayMs ?? DEFAULT_DELAYS.disableDelayMs,
  };
  const clusters = new Map<string, ClusterEntry>();
  for (const init of options.clusters) {
    const { clusterId, region, ...patch } = init;
    const initial: SimClusterState = { Enable: false, NfsReady: false, AgentReady: false, Status: 'Ready', Error: '', Images: [], Leftovers: [], SubnetId: '', NfsAddr: '' };
    applyPatch(initial, patch);
    clusters.set(clusterId, { clusterId, region, initial, state: structuredClone(initial), epoch: 0, disabling: false });
  }

  let responseFaults: Pending<ResponseFault>[] = [];
  let operationFaults: Pending<OperationFault>[] = [];
  let log: LoggedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  // Aborts pending `slow` waits on close so their handlers end instead of lingering.
  const closing = new AbortController();

  /** Runs `fn` after `ms` unless the cluster's state was replaced or ended by disable/setCluster/reset meanwhile. */
  const later = (c: ClusterEntry, ms: number, fn: () => void): void => {
    const epoch = c.epoch;
    const t = setTimeout(() => {
      timers.delete(t);
      if (c.epoch === epoch) fn();
    }, ms);
    timers.add(t);
  };

  const takeResponseFault = (action: string): ResponseFault | undefined => {
    const i = responseFaults.findIndex((p) => p.fault.action === undefined || p.fault.action === action);
    const pending = responseFaults[i];
    if (!pending) return undefined;
    if (--pending.remaining <= 0) responseFaults.splice(i, 1);
    return pending.fault;
  };

  /** How the accepted operation ends: normally (undefined), held, or failed with an Error text (at once, if immediate). */
  const takeOperationFault = (operation: 'create' | 'delete', clusterId: string, image: string): { hold: true } | { error: string; immediate: boolean } | undefined => {
    const i = operationFaults.findIndex(
      (p) => p.fault.operation === operation && (p.fault.clusterId ?? clusterId) === clusterId && (p.fault.image ?? image) === image,
    );
    const pending = operationFaults[i];
    if (!pending) return undefined;
    if (--pending.remaining <= 0) operationFaults.splice(i, 1);
    if (pending.fault.kind === 'hold-operation') return { hold: true };
    return { error: pending.fault.error ?? `${operation} image accelerate failed: injected by the simulator`, immediate: pending.fault.immediate === true };
  };

  const need = (p: Params, ...names: string[]): void => {
    for (const n of names) if (!p[n]) throw new UCloudError(RET.missingParams, `Missing Params [${n}]`);
  };
  const lookup = (p: Params): ClusterEntry => {
    const id = p['ClusterId'] ?? '';
    const c = clusters.get(id);
    // A real cluster in another region is just as invisible as a missing one.
    if (!c || c.region !== p['Region']) throw new UCloudError(RET.clusterNotFound, `cluster [${id}] not found`);
    return c;
  };
  const requireIdle = (c: ClusterEntry): void => {
    if (c.disabling) throw new UCloudError(RET.operationInProgress, 'another operation is in progress: image accelerate is being disabled');
    const s = c.state.Status;
    if (s === 'Creating' || s === 'Deleting') throw new UCloudError(RET.operationInProgress, `another operation is in progress: ${s}`);
  };
  const requireEnabled = (c: ClusterEntry): void => {
    if (!c.state.Enable) throw new UCloudError(RET.notEnabled, 'image accelerate not enabled');
  };

  const actions: Record<SimAction, (p: Params) => Record<string, unknown>> = {
    GetUK8SImageAccelerate: (p) => {
      need(p, 'ClusterId');
      const s = lookup(p).state;
      // The real API's quirk: the list is forced empty while an operation runs and while the agent is not ready.
      const hidden = s.Status === 'Creating' || s.Status === 'Deleting' || !s.AgentReady;
      const { Enable, NfsReady, AgentReady, Status, Error, SubnetId, NfsAddr } = s;
      // Leftovers stay invisible: that is what makes them a trap.
      return { Enable, NfsReady, AgentReady, Status, Error, Images: hidden ? [] : structuredClone(s.Images), SubnetId, NfsAddr };
    },
    EnableUK8SImageAccelerate: (p) => {
      need(p, 'ClusterId', 'NfsAddr', 'SubnetId', 'UHubUsername', 'UHubPassword');
      const c = lookup(p);
      if (c.state.Enable) throw new UCloudError(RET.alreadyEnabled, 'image accelerate already enabled');
      Object.assign(c.state, { Enable: true, NfsReady: true, AgentReady: false, Status: 'Ready', Error: '', NfsAddr: p['NfsAddr'], SubnetId: p['SubnetId'] });
      // The agent Deployment takes a while to start; until then AgentReady is false (normal, not an error).
      later(c, delays.enableDelayMs, () => {
        c.state.AgentReady = true;
      });
      return {};
    },
    DisableUK8SImageAccelerate: (p) => {
      need(p, 'ClusterId');
      const c = lookup(p);
      requireEnabled(c);
      requireIdle(c);
      // Enable stays true until the teardown ends, so a client waiting for Enable=false sees the real duration. The
      // agent goes first, so AgentReady drops at once (which also hides Images, as for the real API).
      c.epoch++;
      c.disabling = true;
      c.state.AgentReady = false;
      later(c, delays.disableDelayMs, () => {
        c.disabling = false;
        Object.assign(c.state, { Enable: false, NfsReady: false, AgentReady: false, Status: 'Ready', Error: '', Images: [], Leftovers: [], NfsAddr: '', SubnetId: '' });
      });
      return {};
    },
    CreateUK8SImageAccelerate: (p) => {
      need(p, 'ClusterId', 'OriginalImage', 'TargetImage');
      const c = lookup(p);
      requireEnabled(c);
      requireIdle(c);
      if (!c.state.AgentReady) throw new UCloudError(RET.agentNotReady, 'image accelerate agent not ready');
      const original = p['OriginalImage'] as string;
      const target = p['TargetImage'] as string;
      if (c.state.Images.some((i) => i.OriginalImage === original)) {
        throw new UCloudError(RET.alreadyAccelerated, `image [${original}] already accelerated`);
      }
      const fault = takeOperationFault('create', c.clusterId, original);
      const fail = (error: string): void => {
        Object.assign(c.state, { Status: 'CreateError', Error: error });
        if (!c.state.Leftovers.includes(original)) c.state.Leftovers.push(original);
      };
      if (fault && 'error' in fault && fault.immediate) {
        fail(fault.error);
        return {};
      }
      Object.assign(c.state, { Status: 'Creating', Error: '' });
      if (fault && 'hold' in fault) return {};
      later(c, delays.createDelayMs, () => {
        if (fault !== undefined) {
          fail(fault.error);
          return;
        }
        c.state.Images.push({ OriginalImage: original, TargetImage: target, ...imageStats(original) });
        Object.assign(c.state, { Status: 'Ready', Error: '' });
      });
      return {};
    },
    DeleteUK8SImageAccelerate: (p) => {
      need(p, 'ClusterId', 'Image');
      const c = lookup(p);
      requireEnabled(c);
      requireIdle(c);
      const image = p['Image'] as string;
      if (!c.state.Images.some((i) => i.OriginalImage === image) && !c.state.Leftovers.includes(image)) {
        throw new UCloudError(RET.notAccelerated, `image [${image}] not accelerated`);
      }
      const fault = takeOperationFault('delete', c.clusterId, image);
      if (fault && 'error' in fault && fault.immediate) {
        Object.assign(c.state, { Status: 'DeleteError', Error: fault.error });
        return {};
      }
      Object.assign(c.state, { Status: 'Deleting', Error: '' });
      if (fault && 'hold' in fault) return {};
      later(c, delays.deleteDelayMs, () => {
        if (fault !== undefined) {
          Object.assign(c.state, { Status: 'DeleteError', Error: fault.error });
          return;
        }
        c.state.Images = c.state.Images.filter((i) => i.OriginalImage !== image);
        c.state.Leftovers = c.state.Leftovers.filter((i) => i !== image);
        Object.assign(c.state, { Status: 'Ready', Error: '' });
      });
      return {};
    },
  };

  /** The gateway's checks in the order it makes them, then the action. */
  const evaluate = (params: Params, signatureValid: boolean): Outcome => {
    try {
      const action = params['Action'];
      if (!action) throw new UCloudError(RET.missingAction, 'Missing Action');
      const impl = (actions as Record<string, ((p: Params) => Record<string, unknown>) | undefined>)[action];
      if (!impl) throw new UCloudError(RET.noSuchAction, `Action [${action}] not found`);
      if (!params['Signature']) throw new UCloudError(RET.missingSignature, 'Missing Signature');
      const account = options.accounts.find((a) => a.publicKey === params['PublicKey']);
      if (!account) throw new UCloudError(RET.noSuchUser, 'user not exist');
      if (!signatureValid) throw new UCloudError(RET.badSignature, 'Signature VerifyAC Error');
      const project = params['ProjectId'];
      if (project && account.projects && !account.projects.includes(project)) {
        throw new UCloudError(RET.noSuchProject, `project [${project}] not exist`);
      }
      need(params, 'Region');
      return { retCode: 0, message: '', extra: impl(params) };
    } catch (err) {
      if (!(err instanceof UCloudError)) throw err;
      return { retCode: err.code, message: err.message, extra: {} };
    }
  };

  const send = (res: ServerResponse, requestId: string, status: number, body: string, headers: Record<string, string> = {}): void => {
    if (res.destroyed || res.headersSent) return;
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', [REQUEST_ID_HEADER]: requestId, ...headers });
    res.end(body);
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> => {
    if (req.method !== 'POST') {
      req.resume();
      return send(res, requestId, 405, htmlErrorPage(405), { 'Content-Type': 'text/html', Allow: 'POST' });
    }
    const raw = await readBody(req);
    if (raw === undefined) return send(res, requestId, 413, htmlErrorPage(413), { 'Content-Type': 'text/html' });
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    let params: Params;
    if (contentType === 'application/json') {
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      if (!isRecord(body)) {
        const reply = { Action: 'Response', RetCode: RET.invalidParams, Message: 'Params [body] is not a valid JSON object' };
        return send(res, requestId, 400, JSON.stringify(reply));
      }
      params = {};
      for (const [k, v] of Object.entries(body)) flattenJson(params, k, v);
    } else {
      // Form is also what the gateway assumes without a Content-Type.
      params = Object.fromEntries(new URLSearchParams(raw));
    }

    const action = params['Action'] ?? '';
    const { Signature: signature, ...unsigned } = params;
    const account = options.accounts.find((a) => a.publicKey === params['PublicKey']);
    const signatureValid = Boolean(account && signature && ucloudSignature(unsigned, account.privateKey) === signature);
    const fault = takeResponseFault(action);
    log.push(compact({ action, params: unsigned, signatureValid, contentType, requestId, fault: fault?.kind, at: new Date().toISOString() }));

    // Without an Action the response Action is just "Response", as `${Action}Response` gives.
    const reply = (outcome: Outcome, retCodeAsString: boolean): void => {
      const body = { Action: `${action}Response`, RetCode: retCodeAsString ? String(outcome.retCode) : outcome.retCode, Message: outcome.message, ...outcome.extra };
      send(res, requestId, 200, JSON.stringify(body));
    };
    const invalidJson = (body: string | undefined): void =>
      send(res, requestId, 200, body ?? `{"Action":"${action}Response","RetCode":0,"Ima`);
    const applied = fault !== undefined && ('applied' in fault ? fault.applied === true : fault.kind === 'apply-then-fail');

    if (fault && !applied) {
      switch (fault.kind) {
        case 'hang':
          return; // Never answered; close() destroys the socket.
        case 'http':
          return send(res, requestId, fault.status, fault.body ?? htmlErrorPage(fault.status), { 'Content-Type': 'text/html' });
        case 'invalid-json':
          return invalidJson(fault.body);
        case 'retcode':
          return reply({ retCode: fault.code, message: fault.message ?? `injected error ${fault.code}`, extra: {} }, fault.asString === true);
        case 'slow':
          await sleep(fault.ms, undefined, { signal: closing.signal });
          break;
        default:
          break;
      }
    }

    const outcome = evaluate(params, signatureValid);
    if (fault && applied) {
      switch (fault.kind) {
        case 'hang':
          return;
        case 'http':
        case 'apply-then-fail':
          return send(res, requestId, fault.status, ('body' in fault ? fault.body : undefined) ?? htmlErrorPage(fault.status), { 'Content-Type': 'text/html' });
        case 'invalid-json':
          return invalidJson(fault.body);
        case 'retcode':
          return reply({ retCode: fault.code, message: fault.message ?? `injected error ${fault.code}`, extra: {} }, fault.asString === true);
        default:
          break;
      }
    }
    reply(outcome, fault?.kind === 'string-retcode');
  };

  const pendingFaults = (): Fault[] => [
    ...responseFaults.map((p) => ({ ...p.fault, times: p.remaining })),
    ...operationFaults.map((p) => ({ ...p.fault, times: p.remaining })),
  ];
  const addFault = (input: Fault): void => {
    const fault = parseFault(input);
    if ('operation' in fault) operationFaults.push({ fault, remaining: fault.times ?? 1 });
    else responseFaults.push({ fault, remaining: fault.times ?? 1 });
  };
  const clearFaults = (): void => {
    responseFaults = [];
    operationFaults = [];
  };
  const entryOf = (clusterId: string): ClusterEntry => {
    const c = clusters.get(clusterId);
    if (!c) throw new Error(`no simulated cluster ${clusterId}`);
    return c;
  };
  const setCluster = (clusterId: string, patch: SimClusterPatch): SimClusterState => {
    const c = entryOf(clusterId);
    c.epoch++;
    c.disabling = false;
    applyPatch(c.state, patch);
    return structuredClone(c.state);
  };
  const allClusters = (): Record<string, SimClusterState> =>
    Object.fromEntries([...clusters.values()].map((c) => [c.clusterId, structuredClone(c.state)]));
  const reset = (): void => {
    clearFaults();
    log = [];
    for (const c of clusters.values()) {
      c.epoch++;
      c.disabling = false;
      c.state = structuredClone(c.initial);
    }
  };

  /**
   * Admin API (JSON in and out), for tests and the sandbox in other processes:
   *   GET|POST|DELETE /_sim/faults      list / queue (a Fault or an array) / clear
   *   GET|DELETE      /_sim/requests    the request log / clear it
   *   GET             /_sim/clusters    every cluster's true state
   *   GET|POST        /_sim/clusters/<id>  one cluster's true state / merge a SimClusterPatch (cancels its timers)
   *   POST            /_sim/reset       initial states, no faults, empty log
   */
  const handleAdmin = async (req: IncomingMessage, res: ServerResponse, path: string, requestId: string): Promise<void> => {
    const raw = (await readBody(req)) ?? '';
    const json = (v: unknown, status = 200): void => send(res, requestId, status, JSON.stringify(v));
    const input = (): unknown => {
      try {
        return raw.trim() === '' ? undefined : (JSON.parse(raw) as unknown);
      } catch {
        throw new FaultError('the body is not valid JSON');
      }
    };
    const route = `${req.method ?? ''} ${path.replace(/\/+$/, '')}`;
    try {
      if (route === `GET ${ADMIN_PREFIX}/faults`) return json(pendingFaults());
      if (route === `POST ${ADMIN_PREFIX}/faults`) {
        const body = input();
        const faults = (Array.isArray(body) ? body : [body]).map(parseFault);
        faults.forEach(addFault);
        return json({ ok: true, pending: pendingFaults().length });
      }
      if (route === `DELETE ${ADMIN_PREFIX}/faults`) {
        clearFaults();
        return json({ ok: true });
      }
      if (route === `GET ${ADMIN_PREFIX}/requests`) return json(log);
      if (route === `DELETE ${ADMIN_PREFIX}/requests`) {
        log = [];
        return json({ ok: true });
      }
      if (route === `POST ${ADMIN_PREFIX}/reset`) {
        reset();
        return json({ ok: true });
      }
      if (route === `GET ${ADMIN_PREFIX}/clusters`) return json(allClusters());
      const m = /^(GET|POST) \/_sim\/clusters\/([^/]+)$/.exec(route);
      if (m) {
        const id = decodeURIComponent(m[2] as string);
        if (!clusters.has(id)) return json({ error: `no simulated cluster ${id}` }, 404);
        if (m[1] === 'GET') return json(structuredClone(entryOf(id).state));
        return json(setCluster(id, parseClusterPatch(input())));
      }
      return json({ error: `no admin route ${route}` }, 404);
    } catch (err) {
      if (err instanceof FaultError) return json({ error: err.message }, 400);
      throw err;
    }
  };

  const server = createServer((req, res) => {
    const requestId = randomUUID();
    const path = new URL(req.url ?? '/', 'http://simulator').pathname;
    const handled = path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`) ? handleAdmin(req, res, path, requestId) : handleApi(req, res, requestId);
    handled.catch((err: unknown) => {
      if (closing.signal.aborted) return; // A slow answer cut short by close().
      send(res, requestId, 500, JSON.stringify({ error: `simulator bug: ${String(err)}` }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  let closed: Promise<void> | undefined;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    addFault,
    clearFaults,
    pendingFaults,
    requests: () => [...log],
    clearRequests: () => {
      log = [];
    },
    cluster: (id) => structuredClone(entryOf(id).state),
    clusters: allClusters,
    setCluster,
    reset,
    transitionsPending: () => timers.size,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        // Includes requests that are hung or waiting for a slow answer, not only idle keep-alive sockets.
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
