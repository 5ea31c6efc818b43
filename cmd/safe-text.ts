// Everything printed can hold text from UCloud or the cluster (image names, error messages, object names), and a
// terminal obeys control characters: ESC starts ANSI and OSC sequences (colours, cursor moves, window titles,
// clipboard writes), BEL rings, CR overwrites the line. They are shown as visible escapes instead. Nothing heavy is
// imported: the completion executable loads this on every TAB.
import { Writable } from 'node:stream';
import type { Paint, StyledText } from './colour.ts';

/** C0 controls but newline and tab, DEL and the C1 controls (U+009B is a one-byte CSI). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const STREAM_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/** Within one field also newline and tab, and the invisible or reordering formatting characters (bidi overrides). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const FIELD_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

function escape(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  const code = c.charCodeAt(0);
  // \u00XX for DEL and C1 keeps JSON output equivalent: inside a JSON string it is the same character, escaped.
  return code < 0x20 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One field (a table cell, a name on its own line, a completion candidate): nothing in it may act on the terminal. */
export function safeField(text: string): string {
  return text.replace(FIELD_UNSAFE, escape);
}

/** Text with its own line structure (messages, tables, JSON/YAML): only the characters a terminal would obey. */
export function safeText(text: string): string {
  return text.replace(STREAM_UNSAFE, escape);
}

/**
 * A stream that escapes control characters on their way to `target`, as a last line of defence for everything a
 * command writes. JSON and YAML output never holds them raw (both serialisers escape them), so it passes unchanged.
 */
const painted = new WeakSet<Buffer>();

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
  else stream.write(parts.map((p) => (typeof p === 'string' ? p : p.text)).join(''));
}
