// Shell completion for kubectl ≥ 1.26: kubectl execs `kubectl_complete-uimgacc ARGS... CURRENT_WORD` and reads one
// candidate per line, then `:<directive>`. This module is loaded on every TAB, so it imports nothing heavy: command
// names and aliases come from the command registry (which loads no command module), the flags are a static table (a
// unit test keeps it in step with the yargs builders), and the cluster/UCloud look-ups are injected, loaded lazily by
// complete-entry.ts only when a dynamic candidate is asked for.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from './commands/index.ts';
import { writeFd } from './write-fd.ts';
import { safeField } from './escape.ts';
import type { KubeFlags } from '../lib/kube/kubeconfig.ts';
import { languageFromEnv, t, useLanguage, type MessageKey } from '../lib/i18n/index.ts';

/** cobra's ShellCompDirectiveNoFileComp: none of our arguments is a file. */
export const NO_FILE_COMP = 4;

type Dynamic = 'workload' | 'image' | 'none';

export interface CommandSpec {
  readonly name: string;
  readonly aliases: readonly string[];
  /** Catalog key of the short description (the table is built at module load; the language is chosen at run time). */
  readonly describe: Extract<MessageKey, `cli.complete.${string}`>;
  /** Long flags (without `--`) and whether they take a value. */
  readonly flags: Readonly<Record<string, 'value' | 'bool'>>;
  /** Short alias → long name. */
  readonly short: Readonly<Record<string, string>>;
  readonly positional: Dynamic;
  /** Allowed values of -o, when the command has it. */
  readonly outputs?: readonly string[];
  readonly dryRuns?: readonly string[];
}

const WAIT = { wait: 'bool', timeout: 'value', 'dry-run': 'value', output: 'value' } as const;
const WORKLOAD_FLAGS = { selector: 'value', all: 'bool', 'field-manager': 'value', 'dry-run': 'value', diff: 'bool', output: 'value' } as const;
const WORKLOAD_SHORT = { l: 'selector', o: 'output' } as const;

/**
 * What completion knows of each command beyond its name and aliases (cmd/commands/index.ts): a short description for
 * the shell, the flags, and what its positional arguments are.
 */
const SPECS: Readonly<Record<string, Omit<CommandSpec, 'name' | 'aliases'>>> = {
  status: { describe: 'cli.complete.status', flags: { output: 'value', watch: 'bool' }, short: { o: 'output', w: 'watch' }, positional: 'none', outputs: ['json', 'yaml', 'wide'] },
  list: { describe: 'cli.complete.list', flags: { output: 'value' }, short: { o: 'output' }, positional: 'none', outputs: ['json', 'yaml', 'wide', 'name'] },
  create: { describe: 'cli.complete.create', flags: { filename: 'value', from: 'value', ...WAIT }, short: { o: 'output', f: 'filename' }, positional: 'none', outputs: ['json', 'yaml', 'name'], dryRuns: ['none', 'client'] },
  delete: { describe: 'cli.complete.delete', flags: { force: 'bool', ...WAIT }, short: { o: 'output' }, positional: 'image', outputs: ['json', 'yaml'], dryRuns: ['none', 'client'] },
  enable: { describe: 'cli.complete.enable', flags: { 'nfs-addr': 'value', 'subnet-id': 'value', 'uhub-username': 'value', ...WAIT }, short: { o: 'output' }, positional: 'none', outputs: ['json', 'yaml'], dryRuns: ['none', 'client'] },
  disable: { describe: 'cli.complete.disable', flags: { force: 'bool', ...WAIT }, short: { o: 'output' }, positional: 'none', outputs: ['json', 'yaml'], dryRuns: ['none', 'client'] },
  configure: { describe: 'cli.complete.configure', flags: { 'uhub-username': 'value', 'nfs-addr': 'value', 'subnet-id': 'value', 'record-context': 'bool', 'dry-run': 'value', 'field-manager': 'value', output: 'value' }, short: { o: 'output' }, positional: 'none', outputs: ['json', 'yaml', 'name'], dryRuns: ['none', 'client', 'server'] },
  doctor: { describe: 'cli.complete.doctor', flags: { output: 'value' }, short: { o: 'output' }, positional: 'none', outputs: ['json', 'yaml'] },
  'who-uses': { describe: 'cli.complete.whoUses', flags: { 'all-namespaces': 'bool', output: 'value' }, short: { A: 'all-namespaces', o: 'output' }, positional: 'image', outputs: ['json', 'yaml', 'wide', 'name'] },
  patch: { describe: 'cli.complete.patch', flags: { ...WORKLOAD_FLAGS, container: 'value', image: 'value', 'node-label': 'value' }, short: { ...WORKLOAD_SHORT, c: 'container' }, positional: 'workload', outputs: ['json', 'yaml', 'name'], dryRuns: ['none', 'client', 'server'] },
  unpatch: { describe: 'cli.complete.unpatch', flags: WORKLOAD_FLAGS, short: WORKLOAD_SHORT, positional: 'workload', outputs: ['json', 'yaml', 'name'], dryRuns: ['none', 'client', 'server'] },
  version: { describe: 'cli.complete.version', flags: { client: 'bool', output: 'value' }, short: { o: 'output' }, positional: 'none', outputs: ['json', 'yaml'] },
  completion: { describe: 'cli.complete.completion', flags: {}, short: {}, positional: 'none' },
};

export const COMMAND_SPECS: readonly CommandSpec[] = COMMANDS.map((e) => {
  const spec = SPECS[e.name];
  if (!spec) throw new Error(`no completion entry for command ${e.name}`);
  return { name: e.name, aliases: e.aliases, ...spec };
});

/** Flags every command accepts (cmd/main.ts addGlobalOptions). */
export const GLOBAL_FLAGS: Readonly<Record<string, 'value' | 'bool'>> = {
  kubeconfig: 'value', context: 'value', cluster: 'value', user: 'value', namespace: 'value', 'request-timeout': 'value',
  server: 'value', 'certificate-authority': 'value', 'insecure-skip-tls-verify': 'bool', 'tls-server-name': 'value', token: 'value',
  as: 'value', 'as-group': 'value', 'as-uid': 'value',
  'cluster-id': 'value', region: 'value', 'project-id': 'value', 'api-endpoint': 'value', 'credentials-secret': 'value', profile: 'value',
  v: 'value', help: 'bool',
};
const GLOBAL_SHORT: Readonly<Record<string, string>> = { n: 'namespace', h: 'help', s: 'server' };

/** The flag values that decide which cluster and which UCloud account a dynamic look-up talks to. */
export type SeenFlags = Readonly<Record<string, string>>;

/** Where dynamic candidates come from; complete-entry.ts wires the real ones, tests pass fakes. */
export interface CompletionSources {
  /** Workload names of one kind (a TYPE as the user typed it) in the namespace of the flags. */
  workloads?(type: string, flags: SeenFlags): Promise<readonly string[]>;
  /** Every workload as `kind/name`. */
  allWorkloads?(flags: SeenFlags): Promise<readonly string[]>;
  images?(flags: SeenFlags): Promise<readonly string[]>;
  namespaces?(flags: SeenFlags): Promise<readonly string[]>;
  contexts?(flags: SeenFlags): Promise<readonly string[]>;
}

export interface Completion {
  readonly candidates: readonly string[];
  readonly directive: number;
}

export const WORKLOAD_TYPES = ['deployment', 'statefulset', 'daemonset', 'replicaset', 'replicationcontroller', 'cronjob'] as const;

interface Parsed {
  readonly spec: CommandSpec | undefined;
  readonly flags: Record<string, string>;
  readonly positionals: string[];
  /** The flag whose value the current word is, if any. */
  readonly valueOf: string | undefined;
}

function findSpec(word: string): CommandSpec | undefined {
  return COMMAND_SPECS.find((s) => s.name === word || s.aliases.includes(word));
}

function flagKind(name: string, spec: CommandSpec | undefined): 'value' | 'bool' | undefined {
  return spec?.flags[name] ?? GLOBAL_FLAGS[name];
}

function longName(short: string, spec: CommandSpec | undefined): string | undefined {
  return spec?.short[short] ?? GLOBAL_SHORT[short];
}

/** Reads the words before the current one the way yargs will: command, flags (`--f v`, `--f=v`, `-n v`), positionals. */
export function parseWords(words: readonly string[]): Parsed {
  let spec: CommandSpec | undefined;
  const flags: Record<string, string> = {};
  const positionals: string[] = [];
  let pending: string | undefined;
  for (const w of words) {
    if (pending !== undefined) {
      flags[pending] = w;
      pending = undefined;
      continue;
    }
    if (w.startsWith('-') && w !== '-') {
      const body = w.replace(/^--?/, '');
      const eq = body.indexOf('=');
      const raw = eq >= 0 ? body.slice(0, eq) : body;
      const name = w.startsWith('--') ? raw : (longName(raw, spec) ?? raw);
      if (eq >= 0) flags[name] = body.slice(eq + 1);
      else if (flagKind(name, spec) === 'value') pending = name;
      else flags[name] = 'true';
      continue;
    }
    if (!spec) {
      spec = findSpec(w);
      if (spec) continue;
    }
    positionals.push(w);
  }
  return { spec, flags, positionals, valueOf: pending };
}

function matching(values: readonly string[], prefix: string): string[] {
  return [...new Set(values)].filter((v) => v.startsWith(prefix));
}

async function safely(call: () => Promise<readonly string[]> | undefined): Promise<readonly string[]> {
  try {
    // Names from the cluster or UCloud: one candidate is one line, and nothing in it may act on the terminal.
    return ((await call()) ?? []).map(safeField);
  } catch {
    // Completion never prints errors: a TAB that finds nothing is better than noise in the prompt.
    return [];
  }
}

async function flagValues(flag: string, spec: CommandSpec | undefined, seen: SeenFlags, sources: CompletionSources): Promise<readonly string[]> {
  switch (flag) {
    case 'output':
      return spec?.outputs ?? [];
    case 'dry-run':
      return spec?.dryRuns ?? [];
    case 'namespace':
      return safely(() => sources.namespaces?.(seen));
    case 'context':
      return safely(() => sources.contexts?.(seen));
    default:
      return [];
  }
}

function flagCandidates(spec: CommandSpec | undefined, current: string, seen: SeenFlags): string[] {
  const names = Object.keys({ ...(spec?.flags ?? {}), ...GLOBAL_FLAGS }).filter((n) => n !== 'v' && n !== 'poll-interval');
  const offered = names.filter((n) => !(n in seen)).map((n) => `--${n}`);
  return matching(offered, current);
}

/** The candidates for the current (last) word; `words` are the plugin's arguments as kubectl passes them. */
export async function complete(words: readonly string[], sources: CompletionSources = {}): Promise<Completion> {
  const current = words.at(-1) ?? '';
  const parsed = parseWords(words.slice(0, -1));
  const { spec, flags, positionals } = parsed;
  const done = (candidates: readonly string[]): Completion => ({ candidates, directive: NO_FILE_COMP });

  if (parsed.valueOf !== undefined) return done(matching(await flagValues(parsed.valueOf, spec, flags, sources), current));
  const eq = current.indexOf('=');
  if (current.startsWith('--') && eq > 0) {
    const flag = current.slice(2, eq);
    const values = await flagValues(flag, spec, flags, sources);
    return done(matching(values.map((v) => `--${flag}=${v}`), current));
  }
  if (current.startsWith('-')) return done(flagCandidates(spec, current, flags));
  if (!spec) {
    if (positionals.length > 0) return done([]);
    return done(COMMAND_SPECS.filter((s) => s.name.startsWith(current)).map((s) => `${s.name}\t${t(s.describe)}`));
  }
  if (spec.positional === 'image') {
    if (positionals.length > 0) return done([]);
    return done(matching(await safely(() => sources.images?.(flags)), current));
  }
  if (spec.positional === 'workload') return done(await workloadCandidates(positionals, current, flags, sources));
  return done([]);
}

async function workloadCandidates(positionals: readonly string[], current: string, flags: SeenFlags, sources: CompletionSources): Promise<string[]> {
  const slash = current.indexOf('/');
  if (slash > 0) {
    const type = current.slice(0, slash);
    const names = await safely(() => sources.workloads?.(type, flags));
    return matching(names.map((n) => `${type}/${n}`), current);
  }
  // `patch deploy web db`: after a bare TYPE the words are names of that type.
  const first = positionals[0];
  if (first !== undefined && !first.includes('/')) {
    return matching(await safely(() => sources.workloads?.(first, flags)), current).filter((n) => !positionals.includes(n));
  }
  const all = await safely(() => sources.allWorkloads?.(flags));
  const typed = all.length > 0 ? all : WORKLOAD_TYPES;
  return matching(typed, current).filter((n) => !positionals.includes(n));
}

export function formatCompletion(c: Completion): string {
  return c.candidates.map((line) => `${line}\n`).join('') + `:${c.directive}\n`;
}

// ---- the UCloud image cache ----

export const CACHE_TTL_MS = 60_000;

export function cacheDir(env: NodeJS.ProcessEnv, home: string = homedir()): string {
  return join(env['XDG_CACHE_HOME'] || join(home, '.cache'), 'kubectl-uimgacc');
}

/** One cache file per cluster/account selection, so switching contexts never offers another cluster's images. */
export function cacheKey(flags: SeenFlags, env: NodeJS.ProcessEnv, currentContext = ''): string {
  const relevant = ['kubeconfig', 'context', 'cluster', 'server', 'user', 'cluster-id', 'region', 'project-id', 'api-endpoint', 'credentials-secret', 'profile'];
  const selection = {
    // `kubectl config use-context` changes the cluster without changing any flag or variable.
    currentContext,
    flags: relevant.map((k) => flags[k] ?? ''),
    env: ['KUBECONFIG', 'UCLOUD_UK8S_CLUSTER_ID', 'UCLOUD_REGION', 'UCLOUD_PROJECT_ID', 'UCLOUD_API_BASE_URL', 'UCLOUD_PROFILE'].map((k) => env[k] ?? ''),
  };
  // node:crypto is loaded only here: loading it costs every TAB more than completing its words.
  return process.getBuiltinModule('node:crypto').createHash('sha256').update(JSON.stringify(selection)).digest('hex').slice(0, 16);
}

interface CacheFile {
  readonly fetchedAt: number;
  readonly images: readonly string[];
}

function readCache(file: string): CacheFile | undefined {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as Partial<CacheFile>;
    if (typeof data.fetchedAt === 'number' && Array.isArray(data.images)) return { fetchedAt: data.fetchedAt, images: data.images.filter((i) => typeof i === 'string') };
  } catch {
    // Missing or torn cache file: fetch afresh.
  }
  return undefined;
}

function writeCache(file: string, dir: string, images: readonly string[], now: number): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Write then rename: two shells completing at once never read half a file.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ fetchedAt: now, images }), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // A read-only home only costs the next TAB a fresh look-up.
  }
}

export interface CacheOptions {
  readonly dir: string;
  readonly key: string;
  readonly timeoutMs: number;
  readonly now?: () => number;
}

/**
 * Fresh cache (< TTL) → no network at all. Otherwise fetch, but never wait longer than `timeoutMs`: on a timeout or
 * an error the stale list (or nothing) is returned, so TAB never hangs on a slow or unreachable UCloud API.
 */
export async function cachedImages(fetch: () => Promise<readonly string[]>, o: CacheOptions): Promise<readonly string[]> {
  const now = o.now ?? Date.now;
  const file = join(o.dir, `images-${o.key}.json`);
  const cached = readCache(file);
  if (cached && now() - cached.fetchedAt >= 0 && now() - cached.fetchedAt < CACHE_TTL_MS) return cached.images;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), o.timeoutMs);
    timer.unref();
  });
  const fetched = fetch().then(
    (images) => images,
    () => undefined,
  );
  const images = await Promise.race([fetched, timeout]);
  clearTimeout(timer);
  if (images === undefined) return cached?.images ?? [];
  writeCache(file, o.dir, images, now());
  return images;
}

// ---- the real sources, loaded only when a TAB needs the cluster or UCloud ----

function kubeFlags(seen: SeenFlags): KubeFlags {
  return {
    kubeconfig: seen['kubeconfig'], context: seen['context'], cluster: seen['cluster'], user: seen['user'], namespace: seen['namespace'], requestTimeout: seen['request-timeout'],
    server: seen['server'], certificateAuthority: seen['certificate-authority'], insecureSkipTlsVerify: seen['insecure-skip-tls-verify'] === 'true',
    tlsServerName: seen['tls-server-name'], token: seen['token'], as: seen['as'], asGroups: seen['as-group'] === undefined ? [] : [seen['as-group']], asUid: seen['as-uid'],
  };
}

async function names(seen: SeenFlags, env: NodeJS.ProcessEnv, path: (namespace: string) => string): Promise<string[]> {
  const { KubeAccess } = await import('../lib/kube/access.ts');
  const { listPages } = await import('../lib/kube/rawlist.ts');
  const kube = new KubeAccess(kubeFlags(seen), env);
  // One page is plenty for a completion menu; a second request would only cost time.
  for await (const page of listPages<{ metadata?: { name?: string } }>(kube, path(kube.namespace), 500)) {
    return page.items.map((i) => i.metadata?.name ?? '').filter((n) => n !== '');
  }
  return [];
}

/** The sources of a real TAB: the kube API for workloads and namespaces, UCloud (through the cache) for images. */
export function realSources(env: NodeJS.ProcessEnv, timeoutMs: number): CompletionSources {
  return {
    async workloads(type, seen) {
      const { resolveType, collectionPath } = await import('../lib/workload/kinds.ts');
      const info = resolveType(type);
      return names(seen, env, (ns) => collectionPath(info, ns));
    },
    async allWorkloads(seen) {
      const { KINDS, collectionPath } = await import('../lib/workload/kinds.ts');
      const lists = await Promise.all(
        Object.values(KINDS).map(async (info) => (await names(seen, env, (ns) => collectionPath(info, ns)).catch(() => [])).map((n) => `${info.kind.toLowerCase()}/${n}`)),
      );
      return lists.flat();
    },
    namespaces: (seen) => names(seen, env, () => '/api/v1/namespaces'),
    async contexts(seen) {
      const { loadKubeconfig } = await import('../lib/kube/kubeconfig.ts');
      return loadKubeconfig(kubeFlags(seen), env).merged.contexts.map((c) => c.name);
    },
    async images(seen) {
      const fetch = async (): Promise<string[]> => {
        const { Writable } = await import('node:stream');
        const { Context } = await import('./context.ts');
        const discard = new Writable({ write: (_chunk, _enc, done) => done() });
        const flags = {
          ...kubeFlags(seen),
          clusterId: seen['cluster-id'], region: seen['region'], projectId: seen['project-id'], apiEndpoint: seen['api-endpoint'],
          credentialsSecret: seen['credentials-secret'], profile: seen['profile'], verbosity: 0,
        };
        const ctx = new Context(flags, { out: discard, err: discard, interactive: false }, env);
        const api = await ctx.ucloud();
        // Offering another cluster's images for this context's workloads would invite a mistake.
        const [state, identity] = await Promise.all([api.get(), ctx.clusterIdentity()]);
        return identity.kind === 'different' ? [] : state.images.flatMap((i) => [i.originalImage, i.targetImage]);
      };
      const { loadKubeconfig } = await import('../lib/kube/kubeconfig.ts');
      let context = '';
      try {
        context = loadKubeconfig(kubeFlags(seen), env).contextName ?? '';
      } catch {
        // No usable kubeconfig: the flags and environment alone make the key.
      }
      return cachedImages(fetch, { dir: cacheDir(env), key: cacheKey(seen, env, context), timeoutMs });
    },
  };
}

/** Every dynamic source answers within the deadline or with nothing. */
function withDeadline(sources: CompletionSources, deadline: Promise<undefined>): CompletionSources {
  const wrap = <A extends unknown[]>(fn: ((...a: A) => Promise<readonly string[]>) | undefined) =>
    fn && ((...a: A) => Promise.race([fn(...a), deadline.then(() => [] as readonly string[])]));
  return {
    workloads: wrap(sources.workloads),
    allWorkloads: wrap(sources.allWorkloads),
    images: wrap(sources.images),
    namespaces: wrap(sources.namespaces),
    contexts: wrap(sources.contexts),
  };
}

/** The `kubectl_complete-uimgacc` executable: prints the candidates and exits, never slower than ~1 s. */
export async function runCompletion(words: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  // Completion runs without main(): the descriptions follow the locale the same way.
  await useLanguage(languageFromEnv(env));
  const timeoutMs = Number(env['UIMGACC_COMPLETION_TIMEOUT_MS']) || 1000;
  const deadline = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), timeoutMs).unref());
  // The image cache gives up a little earlier so that a stale list still makes it out before the overall deadline.
  const result = await complete(words.length === 0 ? [''] : words, withDeadline(realSources(env, Math.max(50, timeoutMs - 150)), deadline));
  // Exit once written: a look-up abandoned at the deadline must not keep the shell waiting.
  writeFd(1, formatCompletion(result), () => process.exit(0));
}
