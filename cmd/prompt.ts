import type { Writable } from 'node:stream';
import { t } from '../lib/i18n/index.ts';

/**
 * Asks for a value on the terminal. Secret answers are not echoed: the terminal is put in raw mode and nothing of what
 * is typed is written back.
 */
export function prompt(question: string, opts: { secret: boolean; trim?: boolean; input?: NodeJS.ReadStream; output: Writable }): Promise<string> {
  const input = opts.input ?? process.stdin;
  return new Promise((resolve, reject) => {
    opts.output.write(question);
    let answer = '';
    const wasRaw = input.isRaw;
    if (input.isTTY) input.setRawMode(true);
    input.setEncoding('utf8');
    input.resume();
    const done = (err?: Error): void => {
      input.off('data', onData);
      if (input.isTTY) input.setRawMode(wasRaw);
      input.pause();
      opts.output.write('\n');
      if (err) reject(err);
      else resolve(opts.trim === false ? answer : answer.trim());
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new Error(t('cli.promptInterrupted')));
        if (ch === '\u007f' || ch === '\b') {
          if (answer.length > 0) {
            answer = answer.slice(0, -1);
            if (!opts.secret) opts.output.write('\b \b');
          }
          continue;
        }
        answer += ch;
        if (!opts.secret) opts.output.write(ch);
      }
    };
    input.on('data', onData);
  });
}
