// Everything printed can hold text from UCloud or the cluster (image names, error messages, object names), and a
// terminal obeys control characters: ESC starts ANSI and OSC sequences (colours, cursor moves, window titles,
// clipboard writes), BEL rings, CR overwrites the line. They are shown as visible escapes instead (cmd/escape.ts).
import { Writable } from 'node:stream';
import { plainText, type Paint, type StyledText } from './colour.ts';

export { safeField, safeText } from './escape.ts';
import { safeText } from './escape.ts';

/** Chunks writeStyled has escaped and coloured already. */
const painted = new WeakSet<Buffer>();

/**
 * A stream that escapes control characters on their way to `target`, as a last line of defence for everything a
 * command writes. JSON and YAML output never holds them raw (both serialisers escape them), so it passes unchanged.
 */
export class SafeWritable extends Writable {
  readonly #target: NodeJS.WritableStream;
  /** Colours styled text when this stream is a terminal (cmd/colour.ts); unset: styled text is written plain. */
  paint: Paint | undefined;
  constructor(target: NodeJS.WritableStream, paint?: Paint) {
    super({ decodeStrings: false });
    this.#target = target;
    this.paint = paint;
  }

  /**
   * Writes text with styled parts. Each part is escaped first and coloured after, so a colour sequence can only come
   * from here, never from a name or a message being printed.
   */
  writeStyled(parts: StyledText): void {
    const paint = this.paint;
    const text = parts.map((p) => (typeof p === 'string' ? safeText(p) : paint ? paint(p.style, safeText(p.text)) : safeText(p.text))).join('');
    // Through write(), keeping the order of writes, as a chunk _write recognises as already escaped: a WeakSet
    // entry, which no text from outside can forge.
    const chunk = Buffer.from(text, 'utf8');
    painted.add(chunk);
    this.write(chunk);
  }
  override _write(chunk: unknown, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (Buffer.isBuffer(chunk) && painted.has(chunk)) {
      this.#target.write(chunk.toString('utf8'));
      done();
      return;
    }
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
    this.#target.write(safeText(text));
    done();
  }
}

/** Writes styled text to any stream: coloured where it is an escaping stream with a painter, plain elsewhere. */
export function writeStyled(stream: NodeJS.WritableStream, parts: StyledText): void {
  if (stream instanceof SafeWritable) stream.writeStyled(parts);
  else stream.write(plainText(parts));
}
