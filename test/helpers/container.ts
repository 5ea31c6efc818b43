// Runs the container engine (podman; UIMGACC_CONTAINER_ENGINE=docker works for the build) in the image e2e tests.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { containerEngine } from '../../scripts/image.ts';
import { collectOutput, type ProcessOutput } from './process.ts';

export type EngineResult = ProcessOutput;

/** The engine with ARGS; resolves with the exit code (never rejects on a non-zero exit). */
export function engine(args: readonly string[]): Promise<EngineResult> {
  return collectOutput(spawn(containerEngine(), args, { stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** Like engine(), but throws with stderr when the command fails. */
export async function engineOk(args: readonly string[]): Promise<string> {
  const r = await engine(args);
  if (r.code !== 0) throw new Error(`${containerEngine()} ${args.join(' ')} failed (exit ${r.code}): ${r.stderr}`);
  return r.stdout;
}

/**
 * Flags every `run` needs on these machines: runc (crun rejects their hybrid cgroup layout), and resource limits no
 * higher than ours, because podman's defaults would raise them, which is not permitted here. The helper needs few
 * processes; runc refuses some values below `ulimit -u` here, 4096 is below all of them.
 */
export function runFlags(): string[] {
  if (containerEngine() !== 'podman') return [];
  // Soft limits of this process, as `ulimit -n` / `ulimit -u` show them.
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const soft = (name: string): number => {
    const v = new RegExp(`^${name}\\s+(\\S+)`, 'm').exec(limits)?.[1] ?? '1024';
    return v === 'unlimited' ? Infinity : Number(v);
  };
  const nofile = Math.min(soft('Max open files'), 65536);
  const nproc = Math.min(soft('Max processes'), 4096);
  const runc = ['/usr/sbin/runc', '/usr/bin/runc'].some((p) => existsSync(p)) ? ['--runtime', 'runc'] : [];
  return [...runc, '--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', `nproc=${nproc}:${nproc}`];
}
