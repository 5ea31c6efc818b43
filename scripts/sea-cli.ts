// The command line program of the single executable (scripts/sea-assets.ts), and what the build runs in it: the
// prerendered outputs, and a rehearsal whose compiled functions go into the program's code cache.
import { Writable } from 'node:stream';
import { format } from 'node:util';
import { main } from '../cmd/main.ts';
import type { Language } from '../lib/i18n/index.ts';
import { PRERENDER_INPUTS, PRERENDERED, prerenderKey, type Rendered } from '../cmd/prerendered.ts';
import { recordProcessReads } from './process-reads.ts';

export { cli } from '../cmd/main.ts';

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({ decodeStrings: false, write: (chunk: string | Buffer, _encoding, done) => ((text += String(chunk)), done()) });
  return { stream, text: () => text };
}

// What yargs reads that does not change what we print: it guesses a locale from the environment when it is created
// (cmd/main.ts then sets the one chosen), guesses its script name from the arguments and `_` (scriptName() replaces
// the guess), looks at the shell for its own completion (not used), and compares YARGS_MIN_NODE_VERSION with the
// Node it runs on.
const IRRELEVANT = new Set(['LANGUAGE', '_', 'SHELL', 'ZSH_NAME', 'YARGS_MIN_NODE_VERSION', ...PRERENDER_INPUTS]);

/**
 * Runs `argv` as a start with no terminal and the given environment would, and returns what it printed. Fails when
 * the run read any setting a prerendered start does not check (then the output may depend on it).
 */
async function render(argv: readonly string[], env: Readonly<Record<string, string>>, columns?: number): Promise<Rendered> {
  const out = sink();
  const err = sink();
  // A terminal's width, as cmd/main.ts reads it from stderr.
  if (columns !== undefined) Object.assign(err.stream, { columns });
  const envReads = new Set<string>();
  const recording = new Proxy({ ...env }, {
    get: (t, k) => (typeof k === 'string' && envReads.add(k), Reflect.get(t, k)),
    has: (t, k) => (typeof k === 'string' && envReads.add(k), Reflect.has(t, k)),
    ownKeys: (t) => (envReads.add('(every name)'), Reflect.ownKeys(t)),
  });
  // yargs prints the help with console.log, which the real start sends to the same stdout as everything else.
  const { log, error } = console;
  console.log = (...a: unknown[]) => void out.stream.write(format(...a) + '\n');
  console.error = (...a: unknown[]) => void err.stream.write(format(...a) + '\n');
  let code = 0;
  let reads;
  try {
    reads = await recordProcessReads(async () => void (code = await main(argv, { out: out.stream, err: err.stream, interactive: columns !== undefined }, recording)), IRRELEVANT);
  } finally {
    Object.assign(console, { log, error });
  }
  const unchecked = [...reads.filter((r) => !r.startsWith('process.argv')), ...[...envReads].filter((k) => !PRERENDER_INPUTS.has(k)).map((k) => `env.${k}`)];
  if (unchecked.length > 0) throw new Error(`kubectl-uimgacc ${argv.join(' ')} read ${unchecked.join(', ')}: its output cannot be prerendered`);
  return { stdout: out.text(), stderr: err.text(), code };
}

/** Build time: the prerendered outputs in one language (`only`: of those arguments, e.g. the help's). */
export async function prerender(language: Language, only: readonly (readonly string[])[] = PRERENDERED): Promise<Record<string, Rendered>> {
  const env: Record<string, string> = language === 'zh-CN' ? { LANG: 'zh_CN.UTF-8' } : {};
  const table: Record<string, Rendered> = {};
  // chalk's module reads the environment when evaluated, for its default instance; cmd/colour.ts makes its own
  // instance with the level it decided. Evaluated here, before anything is recorded.
  await import('chalk');
  for (const argv of only) {
    const plain = await render(argv, env);
    // At a narrow terminal, coloured: an output that does not change is printed as is at any terminal.
    const terminal = await render(argv, { ...env, FORCE_COLOR: '1' }, 40);
    const anyTerminal = terminal.stdout === plain.stdout && terminal.stderr === plain.stderr && terminal.code === plain.code;
    table[prerenderKey(argv)] = anyTerminal ? { ...plain, anyTerminal } : plain;
  }
  return table;
}

/**
 * Build time: runs what most starts that evaluate this program run — `status`, answered by a local stand-in for the
 * UCloud API — so that its functions, the answer's rendering included, are compiled into the program's code cache.
 * Nothing else is rehearsed: every function in the cache is deserialized by every start, and measured (callgrind,
 * bench/results/startup.md) a help or a usage error rehearsed as well made `status` and even those starts dearer than
 * compiling their few functions when they are needed. Output is discarded.
 */
export async function rehearse(): Promise<void> {
  const discard = sink().stream;
  const { createServer } = await import('node:http');
  const answer = JSON.stringify({
    Action: 'GetUK8SImageAccelerateResponse', RetCode: 0, Message: '', Enable: true, NfsReady: true, AgentReady: true, Status: 'Ready', Error: '', SubnetId: '', NfsAddr: '',
    Images: [{ Size: 18292483072, Layers: 10, OriginalImage: 'uhub.service.ucloud.cn/rehearsal/app:v1', TargetImage: 'uhub.service.ucloud.cn/rehearsal/app:v1-acc' }],
  });
  const server = createServer((req, res) => req.resume().on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end(answer)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as { port: number };
    const ucloud = { UCLOUD_PUBLIC_KEY: 'rehearsal', UCLOUD_PRIVATE_KEY: 'rehearsal', UCLOUD_API_BASE_URL: `http://127.0.0.1:${port}`, UCLOUD_UK8S_CLUSTER_ID: 'uk8s-00000000', UCLOUD_REGION: 'cn-bj2' };
    const code = await main(['status', '--request-timeout=10s'], { out: discard, err: discard, interactive: false }, ucloud);
    // A rehearsal that failed early would leave the answer's handling out of the cache, unnoticed.
    if (code !== 0) throw new Error(`rehearsing status ended with exit code ${code}`);
  } finally {
    server.close();
  }
}
