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
    // Decoded across chunks: a character whose bytes arrive in two chunks (Chinese through a pseudo-terminal) stays whole.
    child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? signalCode : 1), stdout, stderr }));
  });
}
