import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { collectOutput } from '../helpers/process.ts';
import { etcdBinary, kubeApiserverBinary, kubeControllerManagerBinary, kubectlBinary, kubernetesVersion, kubeSchedulerBinary, kwokBinary, kwokStagesFile } from './testbin.ts';

/** Everything a test needs to reach the control plane; plain data so it can cross process boundaries as JSON. */
export interface ControlPlaneInfo {
  readonly server: string;
  readonly caData: string;
  readonly adminToken: string;
  readonly kubeconfigPath: string;
  /** Token users without any RBAC grant (tests create Roles for them as needed), by name. */
  readonly users: Readonly<Record<string, string>>;
  readonly dir: string;
  readonly version: string;
  readonly startMs: number;
  /** What runs besides etcd and kube-apiserver. */
  readonly components: readonly Component[];
}

export type Component = 'scheduler' | 'controllerManager' | 'kwok';

export interface ControlPlaneOptions {
  /** Kubernetes version (default: UIMGACC_KUBE_VERSION, else the newest in versions.env); build.sh must have built it. */
  readonly version?: string;
  /** kube-scheduler. */
  readonly scheduler?: boolean;
  /**
   * kube-controller-manager with the controllers the product meets: service-account token, ServiceAccount and root CA
   * publisher, ReplicaSet/Deployment/StatefulSet/DaemonSet/Job/CronJob/ReplicationController, node lifecycle, pod GC,
   * garbage collector, namespace, TTL-after-finished, cluster-role aggregation.
   */
  readonly controllerManager?: boolean;
  /** kwok, managing the Nodes createNodes makes: leases, status, and scheduled Pods moved to Running. */
  readonly kwok?: boolean;
  /** Node lifecycle's grace period before a Node whose lease stopped is marked NotReady (default 40s). */
  readonly nodeMonitorGracePeriodSeconds?: number;
  /** Client rate limits of scheduler and controller manager (default 100 QPS, burst 200; benchmarks raise them). */
  readonly qps?: number;
  /** Extra flags per component, appended last (so they win). */
  readonly extraArgs?: Partial<Record<Component | 'apiserver', readonly string[]>>;
}

export interface ControlPlane extends ControlPlaneInfo {
  stop(): Promise<void>;
}

export const RESTRICTED_USERS = ['alice', 'bob', 'carol'] as const;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The last lines of a component's log, for error messages. */
export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** GET with the admin token against the apiserver's own CA. */
export function apiGet(info: Pick<ControlPlaneInfo, 'server' | 'caData' | 'adminToken'>, path: string, token = info.adminToken): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, info.server),
      { method: 'GET', ca: Buffer.from(info.caData, 'base64'), headers: { Authorization: `Bearer ${token}` }, timeout: 5000 },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export function kubeconfigYaml(info: Pick<ControlPlaneInfo, 'server' | 'caData'>, user: string, token: string, namespace?: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: test',
    '  cluster:',
    `    server: ${info.server}`,
    `    certificate-authority-data: ${info.caData}`,
    'users:',
    `- name: ${user}`,
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: test',
    '  context:',
    '    cluster: test',
    `    user: ${user}`,
    ...(namespace ? [`    namespace: ${namespace}`] : []),
    'current-context: test',
    '',
  ].join('\n');
}

const running = new Set<ChildProcess>();
const dirs = new Set<string>();
let handlersInstalled = false;

/** Kills what we started even when a test run dies: no orphaned etcd or apiserver. */
function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const killAll = (): void => {
    for (const p of running) {
      try {
        if (p.pid) process.kill(-p.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      // A program with its own handler (the sandbox) shuts down gracefully; the 'exit' hook still backs it up.
      if (process.listenerCount(sig) > 1) return;
      killAll();
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
}

function startProcess(binary: string, args: string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  // Own process group, so that teardown reaches anything the binary spawns.
  const child = spawn(binary, args, { stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  // Tests must be able to finish while it runs; the exit hook and stop() end it.
  child.unref();
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }, 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts etcd and kube-apiserver on free loopback ports with flags like controller-runtime's envtest: RBAC,
 * token authentication, generated service-account keys, no ServiceAccount admission (so a Pod never waits for its
 * namespace's ServiceAccount). With options, also kube-scheduler, kube-controller-manager and kwok of the same version
 * (see createNodes for the simulated nodes).
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  installExitHandlers();
  const kubeVersion = options.version ?? kubernetesVersion();
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'uimgacc-cp-'));
  dirs.add(dir);
  const [etcdClient, etcdPeer, securePort] = [await freePort(), await freePort(), await freePort()];
  const adminToken = randomBytes(16).toString('hex');
  const users: Record<string, string> = {};
  const tokenLines = [`${adminToken},admin,admin-uid,"system:masters"`];
  for (const u of RESTRICTED_USERS) {
    users[u] = randomBytes(16).toString('hex');
    tokenLines.push(`${users[u]},${u},${u}-uid,"tester"`);
  }
  writeFileSync(join(dir, 'tokens.csv'), tokenLines.join('\n') + '\n', { mode: 0o600 });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
  writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));

  const etcdLog = join(dir, 'etcd.log');
  const apiLog = join(dir, 'kube-apiserver.log');
  const etcd = startProcess(
    etcdBinary(kubeVersion),
    [
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync',
      '--quota-backend-bytes=8589934592',
      '--log-level=warn',
    ],
    etcdLog,
  );
  const apiserver = startProcess(
    kubeApiserverBinary(kubeVersion),
    [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      `--secure-port=${securePort}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--cert-dir=${join(dir, 'certs')}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true',
      '--authorization-mode=RBAC',
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      `--service-account-key-file=${join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      '--service-account-issuer=https://kubernetes.default.svc',
      '--disable-admission-plugins=ServiceAccount',
      '--enable-priority-and-fairness=false',
      '--v=1',
      ...(options.extraArgs?.apiserver ?? []),
    ],
    apiLog,
  );
  const others: { name: Component; child: ChildProcess; log: string }[] = [];
  const stop = async (): Promise<void> => {
    // Clients first, so none of them logs errors about a vanished apiserver for the seconds shutdown takes.
    await Promise.all(others.map((o) => stopProcess(o.child)));
    await stopProcess(apiserver);
    await stopProcess(etcd);
    rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
  };
  try {
    const server = `https://127.0.0.1:${securePort}`;
    let caData = '';
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (apiserver.exitCode !== null) throw new Error(`kube-apiserver exited with ${apiserver.exitCode}`);
      if (etcd.exitCode !== null) throw new Error(`etcd exited with ${etcd.exitCode}`);
      if (!caData) {
        try {
          // The apiserver writes its self-signed serving certificate (with its CA) into --cert-dir.
          caData = readFileSync(join(dir, 'certs', 'apiserver.crt')).toString('base64');
        } catch {
          // Not written yet.
        }
      }
      if (caData) {
        const ready = await apiGet({ server, caData, adminToken }, '/readyz').catch(() => undefined);
        if (ready?.status === 200) break;
      }
      if (Date.now() > deadline) throw new Error('kube-apiserver did not become ready within 120s');
      await delay(200);
    }
    const version = (JSON.parse((await apiGet({ server, caData, adminToken }, '/version')).body) as { gitVersion: string }).gitVersion;
    const kubeconfigPath = join(dir, 'admin.kubeconfig');
    writeFileSync(kubeconfigPath, kubeconfigYaml({ server, caData }, 'admin', adminToken), { mode: 0o600 });
    await startComponents(options, kubeVersion, { dir, kubeconfigPath, others });
    const components = others.map((o) => o.name);
    return { server, caData, adminToken, kubeconfigPath, users, dir, version, startMs: Date.now() - started, components, stop };
  } catch (err) {
    const logs = [['kube-apiserver', apiLog], ['etcd', etcdLog], ...others.map((o) => [o.name, o.log])];
    const detail = [(err as Error).message, ...logs.map(([name, file]) => `--- ${name} log tail ---\n${tail(file as string)}`)].join('\n');
    await stop();
    throw new Error(detail, { cause: err });
  }
}

/** Controllers of kube-controller-manager, by the names every supported version knows (1.26's; later ones alias them). */
const CONTROLLERS = [
  'serviceaccount-token',
  'serviceaccount',
  'root-ca-cert-publisher',
  'clusterrole-aggregation',
  'namespace',
  'garbagecollector',
  'replicaset',
  'deployment',
  'statefulset',
  'daemonset',
  'job',
  'cronjob',
  'replicationcontroller',
  'ttl-after-finished',
  'nodelifecycle',
  'podgc',
];

/** Answers 200 on /healthz over HTTPS (self-signed: only loopback, only a liveness check). */
function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

async function startComponents(options: ControlPlaneOptions, version: string, plane: { dir: string; kubeconfigPath: string; others: { name: Component; child: ChildProcess; log: string }[] }): Promise<void> {
  const { dir, kubeconfigPath, others } = plane;
  const qps = options.qps ?? 100;
  const common = (name: string, port: number): string[] => [
    `--kubeconfig=${kubeconfigPath}`,
    `--authentication-kubeconfig=${kubeconfigPath}`,
    `--authorization-kubeconfig=${kubeconfigPath}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--cert-dir=${join(dir, `${name}-certs`)}`,
    '--leader-elect=false',
    `--kube-api-qps=${qps}`,
    `--kube-api-burst=${qps * 2}`,
    '--v=1',
  ];
  const waitFor: { name: Component; port: number }[] = [];
  const start = (name: Component, binary: string, args: string[]): ChildProcess => {
    const log = join(dir, `${name}.log`);
    const child = startProcess(binary, [...args, ...(options.extraArgs?.[name] ?? [])], log);
    others.push({ name, child, log });
    return child;
  };
  if (options.controllerManager) {
    const port = await freePort();
    start('controllerManager', kubeControllerManagerBinary(version), [
      ...common('controller-manager', port),
      `--controllers=${CONTROLLERS.join(',')}`,
      `--service-account-private-key-file=${join(dir, 'sa.key')}`,
      `--root-ca-file=${join(dir, 'certs', 'apiserver.crt')}`,
      '--node-monitor-period=2s',
      `--node-monitor-grace-period=${options.nodeMonitorGracePeriodSeconds ?? 40}s`,
      '--use-service-account-credentials=false',
    ]);
    waitFor.push({ name: 'controllerManager', port });
  }
  if (options.scheduler) {
    const port = await freePort();
    start('scheduler', kubeSchedulerBinary(version), common('scheduler', port));
    waitFor.push({ name: 'scheduler', port });
  }
  if (options.kwok) {
    start('kwok', kwokBinary(), [
      `--kubeconfig=${kubeconfigPath}`,
      `--config=${kwokStagesFile()}`,
      '--manage-all-nodes=false',
      `--manage-nodes-with-label-selector=${KWOK_MANAGED_LABEL}=${KWOK_MANAGED}`,
      '--node-lease-duration-seconds=40',
      // Room for the 20,000 Pods of the benchmarks (the default /24 runs out at 254).
      '--cidr=10.64.0.0/12',
    ]);
  }
  const deadline = Date.now() + 120_000;
  for (const { name, port } of waitFor) {
    const child = others.find((o) => o.name === name)?.child;
    while (!(await healthy(port))) {
      if (child?.exitCode !== null) throw new Error(`${name} exited with ${child?.exitCode}`);
      if (Date.now() > deadline) throw new Error(`${name} did not answer /healthz within 120s`);
      await delay(200);
    }
  }
  const kwok = others.find((o) => o.name === 'kwok')?.child;
  if (kwok && kwok.exitCode !== null) throw new Error(`kwok exited with ${kwok.exitCode}`);
}

/** The label kwok selects the Nodes it manages by; createNodes sets it, setNodesReady(false) takes it away. */
export const KWOK_MANAGED_LABEL = 'uimgacc.test/kwok';
const KWOK_MANAGED = 'managed';

/** Runs the test kubectl (the version the apiserver was built from) against a kubeconfig. */
export function kubectl(kubeconfigPath: string, args: readonly string[], input?: string): Promise<{ stdout: string; stderr: string; code: number }> {
  const child = spawn(kubectlBinary(), ['--kubeconfig', kubeconfigPath, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const output = collectOutput(child);
  child.stdin.end(input ?? '');
  return output;
}
