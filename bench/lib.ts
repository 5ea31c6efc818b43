import { spawn } from 'node:child_process';
import { request } from 'node:https';
import type { ControlPlaneInfo } from '../test/controlplane/controlplane.ts';

export interface Measured {
  readonly seconds: number;
  readonly maxRssKiB: number;
  readonly code: number;
}

/** Runs a command under GNU time: wall seconds and peak RSS of the process. Output is discarded. */
export function measure(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = err.trim().split('\n').pop() ?? '';
      const m = /^([\d.]+) (\d+)$/.exec(last);
      if (!m) return reject(new Error(`could not read GNU time output: ${err.slice(-500)}`));
      resolve({ seconds: Number(m[1]), maxRssKiB: Number(m[2]), code: code ?? 1 });
    });
  });
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** POSTs objects to the apiserver with bounded concurrency (seeding thousands of objects quickly). */
export async function createAll(cp: ControlPlaneInfo, items: readonly { path: string; body: object }[], concurrency = 24): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as { path: string; body: object };
      await post(cp, item.path, item.body);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

function post(cp: ControlPlaneInfo, path: string, body: object): Promise<void> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(new URL(path, cp.server), {
      method: 'POST',
      ca: Buffer.from(cp.caData, 'base64'),
      headers: { Authorization: `Bearer ${cp.adminToken}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) },
    }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode && res.statusCode < 300) || res.statusCode === 409 ? resolve() : reject(new Error(`POST ${path}: HTTP ${res.statusCode}`)));
    });
    req.on('error', reject);
    req.end(data);
  });
}
