// Writing a whole output at once to stdout or stderr without process.stdout/process.stderr: creating either stream
// loads Node's stream machinery (and for a pipe, node:net), ~3 ms of a start that only prints a few lines
// (completion, the single executable's prerendered help).
import { writeSync } from 'node:fs';

export interface FdIo {
  writeSync(fd: number, data: Uint8Array, offset: number): number;
  /** The stream of the descriptor, created only if needed. */
  stream(fd: 1 | 2): { write(data: Uint8Array, done: () => void): unknown };
}

const PROCESS_IO: FdIo = { writeSync: (fd, data, offset) => writeSync(fd, data, offset), stream: (fd) => (fd === 1 ? process.stdout : process.stderr) };

/**
 * Writes `text` to file descriptor 1 or 2, then calls `done`. A descriptor left non-blocking by whoever opened it
 * may refuse part of a long text (EAGAIN): the rest then goes through the stream, which waits until it can write.
 */
export function writeFd(fd: 1 | 2, text: string, done: () => void = () => undefined, io: FdIo = PROCESS_IO): void {
  const data = Buffer.from(text);
  let offset = 0;
  try {
    while (offset < data.length) offset += io.writeSync(fd, data, offset);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    io.stream(fd).write(data.subarray(offset), done);
    return;
  }
  done();
}
