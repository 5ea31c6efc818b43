// The width of the text our help is made of — printable ASCII, and Chinese: ideographs, CJK and fullwidth
// punctuation, curly quotes — measured without string-width, whose module sets up an Intl.Segmenter and Unicode
// property expressions when evaluated (scripts/esbuild-plugins.ts, lazyStringWidth). undefined for anything else:
// then string-width itself measures.

// Wide (2 columns) in Unicode's East Asian Width: CJK symbols and punctuation (less the combining tone marks
// U+302A–U+302F and the half-width U+303F), CJK ideographs (extension A and the main block), fullwidth forms.
const MEASURABLE = /^[\x20-\x7e\u2018\u2019\u201c\u201d\u3000-\u3029\u3030-\u303e\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff60]*$/;

export function quickWidth(text: string): number | undefined {
  if (!MEASURABLE.test(text)) return undefined;
  let width = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Curly quotes are ambiguous-width, narrow as string-width counts them by default.
    width += c <= 0x7e || (c >= 0x2018 && c <= 0x201d) ? 1 : 2;
  }
  return width;
}
