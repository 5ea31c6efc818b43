import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { etcdBinary, kubeApiserverBinary, kubectlBinary } from './testbin.ts';

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

function tail(file: string, lines = 30): string {
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
 * token authentication, generated service-account keys, no ServiceAccount admission.
 */
export async function startControlPlane(): Promise<ControlPlane> {
  installExitHandlers();
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
    etcdBinary(),
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
    kubeApiserverBinary(),
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
    ],
    apiLog,
  );
  const stop = async (): Promise<void> => {
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
    return { server, caData, adminToken, kubeconfigPath, users, dir, version, startMs: Date.now() - started, stop };
  } catch (err) {
    const detail = `${(err as Error).message}\n--- kube-apiserver log tail ---\n${tail(apiLog)}\n--- etcd log tail ---\n${tail(etcdLog)}`;
    await stop();
    throw new Error(detail, { cause: err });
  }
}

/** Runs the test kubectl (the version the apiserver was built from) against a kubeconfig. */
export function kubectl(kubeconfigPath: string, args: readonly string[], input?: string): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectlBinary(), ['--kubeconfig', kubeconfigPath, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout, stderr, code: code ?? 1 }));
    child.stdin.end(input ?? '');
  });
}
