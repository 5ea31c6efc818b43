// Escaping of control characters in printed text (see cmd/safe-text.ts, whose stream applies it to everything a
// command writes). Pure functions without node:stream: the completion executable loads this on every TAB.
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
