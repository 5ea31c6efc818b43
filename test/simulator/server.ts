import { randomUUID, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { computeSignature } from '../../lib/ucloud/signature.ts';

/**
 * A UCloud API gateway for the five image-acceleration actions, close enough to the real service for the plugin's
 * tests and the sandbox: it verifies signatures with UCloud's algorithm, keeps one cluster-wide Status per cluster
 * with asynchronous Creating/Deleting/agent start-up, hides Images while busy as the real API does, and injects faults.
 *
 * RetCodes the real gateway documents (160, 161, 170, 171, 172, 230, 292) are used as documented. The UK8S action
 * errors below are not documented anywhere; their codes are our choice, kept under 2000 because the official SDKs
 * treat RetCode >= 2000 as a retryable server error and these are not.
 */
export const RET = {
  missingAction: 160,
  noSuchAction: 161,
  missingSignature: 170,
  badSignature: 171,
  noSuchUser: 172,
  missingParams: 230,
  invalidParams: 231,
  noSuchProject: 292,
  clusterNotFound: 600,
  alreadyEnabled: 601,
  notEnabled: 602,
  operationInProgress: 603,
  alreadyAccelerated: 604,
  notAccelerated: 605,
  agentNotReady: 606,
} as const;

export type AccelerationStatus = 'Ready' | 'Creating' | 'CreateError' | 'Deleting' | 'DeleteError' | 'Unknown';

export interface SimImage {
  OriginalImage: string;
  TargetImage: string;
  Size: number;
  Layers: number;
}

export interface SimClusterState {
  Enable: boolean;
  NfsReady: boolean;
  AgentReady: boolean;
  Status: AccelerationStatus;
  Error: string;
  Images: SimImage[];
  SubnetId: string;
  NfsAddr: string;
}

export interface SimAccount {
  readonly publicKey: string;
  readonly privateKey: string;
  /** Project IDs the key may use; undefined = any. */
  readonly projects?: readonly string[] | undefined;
}

export interface SimClusterInit extends Partial<Omit<SimClusterState, 'Images'>> {
  readonly clusterId: string;
  readonly region: string;
  readonly Images?: readonly (Pick<SimImage, 'OriginalImage' | 'TargetImage'> & Partial<SimImage>)[];
}

export interface SimulatorOptions {
  readonly port?: number;
  readonly host?: string;
  readonly accounts: readonly SimAccount[];
  readonly clusters: readonly SimClusterInit[];
  readonly createDelayMs?: number;
  readonly deleteDelayMs?: number;
  readonly enableDelayMs?: number;
  readonly disableDelayMs?: number;
}

/** What to do instead of (or before) answering normally. */
export type FaultKind =
  | { readonly kind: 'http'; readonly status: number; readonly body?: string }
  | { readonly kind: 'hang' }
  | { readonly kind: 'slow'; readonly ms: number }
  | { readonly kind: 'retcode'; readonly code: number; readonly message?: string }
  | { readonly kind: 'string-retcode' }
  | { readonly kind: 'invalid-json' }
  /** Answer normally, then drop the connection's answer: the action is applied but the client sees an error. */
  | { readonly kind: 'apply-then-fail'; readonly status: number }
  /** The next create/delete of the cluster ends in CreateError/DeleteError with this text. */
  | { readonly kind: 'fail-operation'; readonly operation: 'create' | 'delete'; readonly error: string; readonly clusterId?: string };

export type Fault = FaultKind & { readonly action?: string; readonly times?: number };

export interface LoggedRequest {
  readonly action: string;
  readonly params: Readonly<Record<string, string>>;
  readonly signatureValid: boolean;
  readonly contentType: string;
}

export interface Simulator {
  readonly url: string;
  addFault(fault: Fault): void;
  clearFaults(): void;
  requests(): readonly LoggedRequest[];
  clearRequests(): void;
  cluster(clusterId: string): SimClusterState;
  setCluster(clusterId: string, patch: Partial<SimClusterState>): void;
  close(): Promise<void>;
}

interface ClusterEntry {
  readonly region: string;
  state: SimClusterState;
  failNext: { create?: string; delete?: string };
}

interface PendingFault {
  fault: Fault;
  remaining: number;
}

/** Deterministic size and layer count for an image, in the range of real accelerated images. */
export function imageStats(image: string): { Size: number; Layers: number } {
  const h = createHash('sha256').update(image).digest();
  return { Size: (1 + (h.readUInt32BE(0) % 20)) * 1024 ** 3 + h.readUInt16BE(4) * 1024, Layers: 3 + (h[6] as number) % 30 };
}

class UCloudError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function toFlat(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'boolean') out[k] = v ? 'true' : 'false';
    else if (typeof v === 'number') out[k] = Number.isInteger(v) ? BigInt(v).toString() : String(v);
  }
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const delays = {
    create: options.createDelayMs ?? 200,
    delete: options.deleteDelayMs ?? 200,
    enable: options.enableDelayMs ?? 200,
    disable: options.disableDelayMs ?? 100,
  };
  const clusters = new Map<string, ClusterEntry>();
  for (const c of options.clusters) {
    const { clusterId, region, Images, ...rest } = c;
    clusters.set(clusterId, {
      region,
      failNext: {},
      state: {
        Enable: false,
        NfsReady: false,
        AgentReady: false,
        Status: 'Ready',
        Error: '',
        SubnetId: '',
        NfsAddr: '',
        ...rest,
        Images: (Images ?? []).map((img) => ({ ...imageStats(img.OriginalImage), ...img })),
      },
    });
  }
  const faults: PendingFault[] = [];
  const log: LoggedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const takeFault = (action: string): Fault | undefined => {
    const i = faults.findIndex((f) => f.fault.kind !== 'fail-operation' && (!f.fault.action || f.fault.action === action));
    if (i < 0) return undefined;
    const pending = faults[i] as PendingFault;
    if (--pending.remaining <= 0) faults.splice(i, 1);
    return pending.fault;
  };

  const entry = (params: Record<string, string>): ClusterEntry => {
    const id = params['ClusterId'];
    if (!id) throw new UCloudError(RET.missingParams, 'Missing Params [ClusterId]');
    const c = clusters.get(id);
    if (!c || c.region !== params['Region']) throw new UCloudError(RET.clusterNotFound, `cluster [${id}] not found in region [${params['Region'] ?? ''}]`);
    return c;
  };
  const need = (params: Record<string, string>, ...names: string[]): void => {
    for (const n of names) if (!params[n]) throw new UCloudError(RET.missingParams, `Missing Params [${n}]`);
  };
  const busy = (s: SimClusterState): boolean => s.Status === 'Creating' || s.Status === 'Deleting';

  const actions: Record<string, (p: Record<string, string>) => Record<string, unknown>> = {
    GetUK8SImageAccelerate: (p) => {
      const s = entry(p).state;
      // The real API hides the list while an operation runs and while the agent is not ready.
      const images = busy(s) || !s.AgentReady ? [] : clone(s.Images);
      return { Enable: s.Enable, NfsReady: s.NfsReady, AgentReady: s.AgentReady, Status: s.Status, Error: s.Error, Images: images, SubnetId: s.SubnetId, NfsAddr: s.NfsAddr };
    },
    EnableUK8SImageAccelerate: (p) => {
      const c = entry(p);
      need(p, 'NfsAddr', 'SubnetId', 'UHubUsername', 'UHubPassword');
      if (c.state.Enable) throw new UCloudError(RET.alreadyEnabled, 'image accelerate already enabled');
      Object.assign(c.state, { Enable: true, NfsReady: true, AgentReady: false, Status: 'Ready', Error: '', NfsAddr: p['NfsAddr'], SubnetId: p['SubnetId'] });
      later(delays.enable, () => {
        if (c.state.Enable) c.state.AgentReady = true;
      });
      return {};
    },
    DisableUK8SImageAccelerate: (p) => {
      const c = entry(p);
      if (!c.state.Enable) throw new UCloudError(RET.notEnabled, 'image accelerate not enabled');
      if (busy(c.state)) throw new UCloudError(RET.operationInProgress, `another operation is in progress: ${c.state.Status}`);
      // Enable stays true until the agent and the mounts are gone.
      later(delays.disable, () => {
        Object.assign(c.state, { Enable: false, NfsReady: false, AgentReady: false, Status: 'Ready', Error: '', Images: [], NfsAddr: '', SubnetId: '' });
      });
      return {};
    },
    CreateUK8SImageAccelerate: (p) => {
      const c = entry(p);
      need(p, 'OriginalImage', 'TargetImage');
      if (!c.state.Enable) throw new UCloudError(RET.notEnabled, 'image accelerate not enabled');
      if (busy(c.state)) throw new UCloudError(RET.operationInProgress, `another operation is in progress: ${c.state.Status}`);
      if (!c.state.AgentReady) throw new UCloudError(RET.agentNotReady, 'image accelerate agent not ready');
      const original = p['OriginalImage'] as string;
      const target = p['TargetImage'] as string;
      if (c.state.Images.some((i) => i.OriginalImage === original)) throw new UCloudError(RET.alreadyAccelerated, `image [${original}] already accelerated`);
      Object.assign(c.state, { Status: 'Creating', Error: '' });
      later(delays.create, () => {
        const failure = c.failNext.create;
        delete c.failNext.create;
        if (failure) Object.assign(c.state, { Status: 'CreateError', Error: failure });
        else {
          c.state.Images.push({ OriginalImage: original, TargetImage: target, ...imageStats(original) });
          Object.assign(c.state, { Status: 'Ready', Error: '' });
        }
      });
      return {};
    },
    DeleteUK8SImageAccelerate: (p) => {
      const c = entry(p);
      need(p, 'Image');
      if (!c.state.Enable) throw new UCloudError(RET.notEnabled, 'image accelerate not enabled');
      if (busy(c.state)) throw new UCloudError(RET.operationInProgress, `another operation is in progress: ${c.state.Status}`);
      const image = p['Image'] as string;
      if (!c.state.Images.some((i) => i.OriginalImage === image)) throw new UCloudError(RET.notAccelerated, `image [${image}] not accelerated`);
      Object.assign(c.state, { Status: 'Deleting', Error: '' });
      later(delays.delete, () => {
        const failure = c.failNext.delete;
        delete c.failNext.delete;
        if (failure) Object.assign(c.state, { Status: 'DeleteError', Error: failure });
        else {
          c.state.Images = c.state.Images.filter((i) => i.OriginalImage !== image);
          Object.assign(c.state, { Status: 'Ready', Error: '' });
        }
      });
      return {};
    },
  };

  const send = (res: ServerResponse, status: number, body: string, type = 'application/json'): void => {
    if (res.destroyed) return;
    res.writeHead(status, { 'Content-Type': type, 'X-UCLOUD-REQUEST-UUID': randomUUID() });
    res.end(body);
  };

  const addFault = (fault: Fault): void => {
    if (fault.kind === 'fail-operation') {
      const targets = fault.clusterId ? [clusters.get(fault.clusterId)] : [...clusters.values()];
      for (const c of targets) if (c) c.failNext[fault.operation] = fault.error;
      return;
    }
    faults.push({ fault, remaining: fault.times ?? 1 });
  };

  const admin = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const body = req.method === 'POST' ? await readBody(req) : '';
    const json = (v: unknown): void => send(res, 200, JSON.stringify(v));
    if (path === '/_sim/faults' && req.method === 'POST') {
      addFault(JSON.parse(body) as Fault);
      return json({ ok: true });
    }
    if (path === '/_sim/faults' && req.method === 'DELETE') {
      faults.length = 0;
      return json({ ok: true });
    }
    if (path === '/_sim/requests' && req.method === 'GET') return json(log);
    if (path === '/_sim/requests' && req.method === 'DELETE') {
      log.length = 0;
      return json({ ok: true });
    }
    const m = /^\/_sim\/clusters\/([^/]+)$/.exec(path);
    const c = m ? clusters.get(decodeURIComponent(m[1] as string)) : undefined;
    if (c && req.method === 'GET') return json(c.state);
    if (c && req.method === 'POST') {
      Object.assign(c.state, JSON.parse(body) as Partial<SimClusterState>);
      return json(c.state);
    }
    send(res, 404, JSON.stringify({ error: `no admin route ${req.method ?? ''} ${path}` }));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://sim').pathname;
    if (path.startsWith('/_sim/')) return admin(req, res, path);
    if (req.method !== 'POST') return send(res, 405, '<html><body>405 Method Not Allowed</body></html>', 'text/html');
    const raw = await readBody(req);
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    let params: Record<string, string>;
    try {
      params = contentType === 'application/json' ? toFlat(JSON.parse(raw)) : Object.fromEntries(new URLSearchParams(raw));
    } catch {
      return send(res, 400, '<html><body>400 Bad Request</body></html>', 'text/html');
    }
    const action = params['Action'] ?? '';
    const { Signature: signature, ...unsigned } = params;
    const account = options.accounts.find((a) => a.publicKey === params['PublicKey']);
    const signatureValid = Boolean(account && signature && computeSignature(unsigned, account.privateKey) === signature);
    log.push({ action, params: unsigned, signatureValid, contentType });

    const fault = takeFault(action);
    if (fault?.kind === 'hang') return; // Never answered; close() destroys the socket.
    if (fault?.kind === 'slow') await new Promise<void>((r) => later(fault.ms, r));
    if (fault?.kind === 'http') return send(res, fault.status, fault.body ?? `<html><body>${fault.status}</body></html>`, 'text/html');
    if (fault?.kind === 'invalid-json') return send(res, 200, '<html>upstream error</html>', 'text/html');

    const reply = (retCode: number | string, message: string, extra: Record<string, unknown> = {}): void =>
      send(res, 200, JSON.stringify({ Action: `${action || 'Unknown'}Response`, RetCode: retCode, Message: message, ...extra }));
    if (fault?.kind === 'retcode') return reply(fault.code, fault.message ?? `injected error ${fault.code}`);
    try {
      if (!action) throw new UCloudError(RET.missingAction, 'Missing Action');
      const impl = actions[action];
      if (!impl) throw new UCloudError(RET.noSuchAction, `Action [${action}] not found`);
      if (!signature) throw new UCloudError(RET.missingSignature, 'Missing Signature');
      if (!account) throw new UCloudError(RET.noSuchUser, 'user not exist');
      if (!signatureValid) throw new UCloudError(RET.badSignature, 'Signature VerifyAC Error');
      if (params['ProjectId'] && account.projects && !account.projects.includes(params['ProjectId'])) {
        throw new UCloudError(RET.noSuchProject, `project [${params['ProjectId']}] not exist`);
      }
      if (!params['Region']) throw new UCloudError(RET.missingParams, 'Missing Params [Region]');
      const result = impl(params);
      if (fault?.kind === 'apply-then-fail') return send(res, fault.status, '<html>gateway timeout</html>', 'text/html');
      reply(fault?.kind === 'string-retcode' ? '0' : 0, '', result);
    } catch (err) {
      if (!(err instanceof UCloudError)) throw err;
      reply(fault?.kind === 'string-retcode' ? String(err.code) : err.code, err.message);
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, JSON.stringify({ error: String(err) })));
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    addFault,
    clearFaults: () => {
      faults.length = 0;
      for (const c of clusters.values()) c.failNext = {};
    },
    requests: () => [...log],
    clearRequests: () => {
      log.length = 0;
    },
    cluster: (id) => {
      const c = clusters.get(id);
      if (!c) throw new Error(`no simulated cluster ${id}`);
      return clone(c.state);
    },
    setCluster: (id, patch) => {
      const c = clusters.get(id);
      if (!c) throw new Error(`no simulated cluster ${id}`);
      Object.assign(c.state, clone(patch));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
