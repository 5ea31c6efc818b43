/**
 * A unified diff of two small texts (pod templates as YAML: tens to hundreds of lines), by longest common
 * subsequence. Small enough not to warrant a dependency.
 */
export function unifiedDiff(oldText: string, newText: string, oldName: string, newName: string, context = 3): string {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  const n = a.length;
  const m = b.length;
  // lcs[i][j] = length of the LCS of a[i..] and b[j..]
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i] as Uint32Array;
    const next = lcs[i + 1] as Uint32Array;
    for (let j = m - 1; j >= 0; j--) row[j] = a[i] === b[j] ? (next[j + 1] as number) + 1 : Math.max(next[j] as number, row[j + 1] as number);
  }
  type Line = { tag: ' ' | '-' | '+'; text: string };
  const script: Line[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      script.push({ tag: ' ', text: a[i++] as string });
      j++;
    }
    // Deletions first on a tie, as diff -u prints them.
    else if (i < n && (j >= m || (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0))) script.push({ tag: '-', text: a[i++] as string });
    else script.push({ tag: '+', text: b[j++] as string });
  }
  const changed = script.map((l, k) => (l.tag !== ' ' ? k : -1)).filter((k) => k >= 0);
  if (changed.length === 0) return '';
  const out = [`--- ${oldName}`, `+++ ${newName}`];
  let k = 0;
  while (k < changed.length) {
    const start = Math.max(0, (changed[k] as number) - context);
    let end = Math.min(script.length, (changed[k] as number) + context + 1);
    while (k + 1 < changed.length && (changed[k + 1] as number) - context <= end) {
      k++;
      end = Math.min(script.length, (changed[k] as number) + context + 1);
    }
    k++;
    const hunk = script.slice(start, end);
    const before = script.slice(0, start);
    const aStart = before.filter((l) => l.tag !== '+').length;
    const bStart = before.filter((l) => l.tag !== '-').length;
    const aLen = hunk.filter((l) => l.tag !== '+').length;
    const bLen = hunk.filter((l) => l.tag !== '-').length;
    out.push(`@@ -${aLen === 0 ? aStart : aStart + 1},${aLen} +${bLen === 0 ? bStart : bStart + 1},${bLen} @@`);
    for (const l of hunk) out.push(`${l.tag}${l.text}`);
  }
  return out.join('\n') + '\n';
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
