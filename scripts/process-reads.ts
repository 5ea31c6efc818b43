// What code reads of the process while it runs: the build of the single executable prerenders outputs
// (scripts/sea-cli.ts) and must know that nothing but the settings a prerendered start checks went into them.

/** What was read, e.g. `process.env.NO_COLOR`, `process.argv[2]`, `process.stdout`. */
export type Reads = readonly string[];

const STREAMS = ['stdin', 'stdout', 'stderr'] as const;

/**
 * Runs `evaluate` while recording every read of process.env (except `allowedEnv`), process.argv and the standard
 * streams, then puts them back as they were. With `trace`, each read carries the stack that made it.
 */
export async function recordProcessReads(evaluate: () => Promise<void>, allowedEnv: ReadonlySet<string> = new Set(), trace = false): Promise<Reads> {
  const reads: string[] = [];
  const note = (what: string): void => void reads.push(trace ? `${what} ${new Error().stack ?? ''}` : what);
  const env = process.env;
  const argv = process.argv;
  // Node's module loader looks at its own settings (--watch reporting, source maps for coverage) when it loads a module: not what the
  // code being run reads. The frame that read is the third: the Error, this function, the proxy trap, then the reader.
  const byNode = (): boolean => /^\s*at (?:.* \()?node:internal\/(?:modules|source_map)\//.test((new Error().stack ?? '').split('\n')[4] ?? '');
  const envKey = (k: string | symbol): void => (typeof k === 'string' && allowedEnv.has(k)) || byNode() ? undefined : note(`process.env.${String(k)}`);
  process.env = new Proxy(env, {
    get: (t, k) => (envKey(k), Reflect.get(t, k)),
    has: (t, k) => (envKey(k), Reflect.has(t, k)),
    ownKeys: (t) => (note('process.env (every name)'), Reflect.ownKeys(t)),
  });
  process.argv = new Proxy(argv, { get: (t, k) => (note(`process.argv[${String(k)}]`), Reflect.get(t, k)) });
  const streams = STREAMS.map((name) => [name, Object.getOwnPropertyDescriptor(process, name)] as const);
  for (const [name, d] of streams) {
    const get = d?.get;
    // Node prints its own warnings (e.g. experimental features) on stderr: not ours.
    const ours = (): boolean => !new Error().stack?.includes('node:internal/process/warning');
    if (get) Object.defineProperty(process, name, { ...d, get: () => (ours() && note(`process.${name}`), get.call(process) as unknown) });
  }
  try {
    await evaluate();
  } finally {
    process.env = env;
    process.argv = argv;
    for (const [name, d] of streams) if (d) Object.defineProperty(process, name, d);
  }
  return [...new Set(reads)];
}
