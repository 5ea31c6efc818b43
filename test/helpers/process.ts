import type { ChildProcess } from 'node:child_process';

export interface ProcessOutput {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * What a spawned child (stdout and stderr piped) printed and how it ended; never rejects on a non-zero exit.
 * `signalCode` stands for the exit code of a child ended by a signal.
 */
export function collectOutput(child: ChildProcess, signalCode = 1): Promise<ProcessOutput> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? signalCode : 1), stdout, stderr }));
  });
}
