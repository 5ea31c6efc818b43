import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import * as yaml from 'js-yaml';
import { invalid } from '../errors.ts';

/** The connection flags kubectl itself understands, parsed by the plugin because kubectl passes none of them on. */
export interface KubeFlags {
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
  readonly cluster?: string | undefined;
  readonly user?: string | undefined;
  readonly namespace?: string | undefined;
  readonly requestTimeout?: string | undefined;
}

type YamlMap = Record<string, unknown>;

export interface NamedEntry {
  readonly name: string;
  readonly [field: string]: unknown;
}

export interface RawKubeconfig {
  clusters: NamedEntry[];
  contexts: NamedEntry[];
  users: NamedEntry[];
  'current-context'?: string | undefined;
}

/** The extension `configure` records on a kubeconfig context so that later commands know the UK8S cluster. */
export const CONTEXT_EXTENSION = 'uimgacc.ucloud.cn';

export interface ContextExtension {
  readonly clusterId?: string | undefined;
  readonly region?: string | undefined;
  readonly projectId?: string | undefined;
}

export interface LoadedKubeconfig {
  /** Merged the way kubectl merges, with relative paths made absolute against the file that held them. */
  readonly merged: RawKubeconfig;
  readonly files: readonly string[];
  readonly contextName: string | undefined;
  /** The cluster and user the effective context points at, after --cluster/--user overrides. */
  readonly clusterName: string | undefined;
  readonly userName: string | undefined;
  readonly namespace: string;
  readonly namespaceSource: string;
  readonly extension: ContextExtension | undefined;
  /** The file where the effective context is defined (where `configure` writes). */
  readonly contextFile: string | undefined;
}

const PATH_FIELDS: Readonly<Record<'clusters' | 'users', readonly string[]>> = {
  clusters: ['certificate-authority'],
  users: ['client-certificate', 'client-key', 'tokenFile'],
};

function isMap(v: unknown): v is YamlMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readYamlFile(file: string): YamlMap {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw invalid(`cannot read kubeconfig ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (err) {
    throw invalid(`kubeconfig ${file} is not valid YAML: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
  if (doc === undefined || doc === null) return {};
  if (!isMap(doc)) throw invalid(`kubeconfig ${file} is not a mapping`);
  return doc;
}

function entries(doc: YamlMap, key: string, file: string): NamedEntry[] {
  const list = doc[key];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw invalid(`kubeconfig ${file}: ${key} must be a list`);
  return list.filter((e): e is NamedEntry => isMap(e) && typeof e['name'] === 'string');
}

function absolutize(entry: NamedEntry, kind: 'clusters' | 'users', base: string): NamedEntry {
  const inner = kind === 'clusters' ? entry['cluster'] : entry['user'];
  if (!isMap(inner)) return entry;
  const fixed: YamlMap = { ...inner };
  for (const field of PATH_FIELDS[kind]) {
    const v = fixed[field];
    if (typeof v === 'string' && v !== '' && !isAbsolute(v)) fixed[field] = resolve(base, v);
  }
  // exec plugins given as a relative path with a separator are resolved against the file, as kubectl does.
  const exec = fixed['exec'];
  if (kind === 'users' && isMap(exec) && typeof exec['command'] === 'string') {
    const cmd = exec['command'];
    if (!isAbsolute(cmd) && cmd.includes('/')) fixed['exec'] = { ...exec, command: resolve(base, cmd) };
  }
  return { ...entry, [kind === 'clusters' ? 'cluster' : 'user']: fixed };
}

/** Which files kubectl would read: --kubeconfig alone, else every existing file of KUBECONFIG, else ~/.kube/config. */
export function kubeconfigFiles(flags: KubeFlags, env: NodeJS.ProcessEnv, home: string = homedir()): string[] {
  if (flags.kubeconfig) {
    const file = resolve(flags.kubeconfig);
    if (!existsSync(file)) throw invalid(`stat ${flags.kubeconfig}: no such file or directory`);
    return [file];
  }
  const list = env['KUBECONFIG'];
  if (list) {
    const seen = new Set<string>();
    return list
      .split(delimiter)
      .filter((f) => f !== '')
      .map((f) => resolve(f))
      .filter((f) => {
        if (seen.has(f)) return false;
        seen.add(f);
        return existsSync(f) && statSync(f).isFile();
      });
  }
  const dflt = join(home, '.kube', 'config');
  return existsSync(dflt) ? [dflt] : [];
}

/** Loads and merges like kubectl's clientcmd: for every name and for current-context, the first file wins. */
export function loadKubeconfig(flags: KubeFlags, env: NodeJS.ProcessEnv, home: string = homedir()): LoadedKubeconfig {
  const files = kubeconfigFiles(flags, env, home);
  const merged: RawKubeconfig = { clusters: [], contexts: [], users: [] };
  const contextFiles = new Map<string, string>();
  for (const file of files) {
    const doc = readYamlFile(file);
    const base = dirname(file);
    for (const kind of ['clusters', 'contexts', 'users'] as const) {
      const have = new Set(merged[kind].map((e) => e.name));
      for (const e of entries(doc, kind, file)) {
        if (have.has(e.name)) continue;
        have.add(e.name);
        merged[kind].push(kind === 'contexts' ? e : absolutize(e, kind, base));
        if (kind === 'contexts') contextFiles.set(e.name, file);
      }
    }
    const current = doc['current-context'];
    if (merged['current-context'] === undefined && typeof current === 'string' && current !== '') {
      merged['current-context'] = current;
    }
  }
  const contextName = flags.context || merged['current-context'] || undefined;
  const ctxEntry = contextName ? merged.contexts.find((c) => c.name === contextName) : undefined;
  if (flags.context && !ctxEntry) throw invalid(`context was not found for specified context: ${flags.context}`);
  const ctx = ctxEntry && isMap(ctxEntry['context']) ? ctxEntry['context'] : undefined;
  const ctxNamespace = typeof ctx?.['namespace'] === 'string' && ctx['namespace'] !== '' ? ctx['namespace'] : undefined;
  const clusterName = flags.cluster || (typeof ctx?.['cluster'] === 'string' ? ctx['cluster'] : undefined);
  const userName = flags.user || (typeof ctx?.['user'] === 'string' ? ctx['user'] : undefined);
  if (flags.cluster && !merged.clusters.some((c) => c.name === flags.cluster)) {
    throw invalid(`cluster "${flags.cluster}" not found in kubeconfig`);
  }
  if (flags.user && !merged.users.some((u) => u.name === flags.user)) {
    throw invalid(`user "${flags.user}" not found in kubeconfig`);
  }
  return {
    merged,
    files,
    contextName,
    clusterName,
    userName,
    namespace: flags.namespace || ctxNamespace || 'default',
    namespaceSource: flags.namespace ? 'flag --namespace' : ctxNamespace ? `kubeconfig context "${contextName}"` : 'default',
    extension: ctx ? readExtension(ctx) : undefined,
    contextFile: contextName ? contextFiles.get(contextName) : undefined,
  };
}

function readExtension(ctx: YamlMap): ContextExtension | undefined {
  const list = ctx['extensions'];
  if (!Array.isArray(list)) return undefined;
  for (const e of list) {
    if (!isMap(e) || e['name'] !== CONTEXT_EXTENSION || !isMap(e['extension'])) continue;
    const ext = e['extension'];
    const s = (k: string): string | undefined => (typeof ext[k] === 'string' && ext[k] !== '' ? ext[k] : undefined);
    return { clusterId: s('clusterId'), region: s('region'), projectId: s('projectId') };
  }
  return undefined;
}

/** A kubeconfig containing only what the effective context needs, ready for client-node's loadFromString. */
export function effectiveKubeconfigYaml(loaded: LoadedKubeconfig): string {
  const { merged, clusterName, userName, contextName } = loaded;
  if (!contextName && !clusterName) {
    throw invalid(
      loaded.files.length === 0
        ? 'no kubeconfig found: set --kubeconfig or KUBECONFIG, or create ~/.kube/config'
        : 'no current context is set in the kubeconfig: use --context or `kubectl config use-context`',
    );
  }
  const cluster = merged.clusters.find((c) => c.name === clusterName);
  if (!cluster) throw invalid(`cluster "${clusterName ?? ''}" of context "${contextName ?? ''}" not found in kubeconfig`);
  const user = merged.users.find((u) => u.name === userName) ?? { name: userName ?? 'anonymous', user: {} };
  const name = 'uimgacc-effective';
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ ...cluster, name }],
    users: [{ ...user, name }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: loaded.namespace } }],
    'current-context': name,
  });
}

/**
 * Records the UK8S cluster (and optionally region/project) on the effective context, in the file that defines it,
 * as kubectl's `config set` does. Writes atomically and keeps the file's mode.
 */
export function writeContextExtension(loaded: LoadedKubeconfig, ext: ContextExtension): string {
  const file = loaded.contextFile;
  if (!file || !loaded.contextName) throw invalid('no kubeconfig context to record the cluster ID on: use --context');
  const doc = readYamlFile(file);
  const contexts = entries(doc, 'contexts', file);
  const entry = contexts.find((c) => c.name === loaded.contextName);
  if (!entry || !isMap(entry['context'])) throw invalid(`context "${loaded.contextName}" not found in ${file}`);
  const ctx = entry['context'];
  const list = Array.isArray(ctx['extensions']) ? (ctx['extensions'] as unknown[]).filter((e) => !(isMap(e) && e['name'] === CONTEXT_EXTENSION)) : [];
  const value: YamlMap = {};
  if (ext.clusterId) value['clusterId'] = ext.clusterId;
  if (ext.region) value['region'] = ext.region;
  if (ext.projectId) value['projectId'] = ext.projectId;
  list.push({ name: CONTEXT_EXTENSION, extension: value });
  ctx['extensions'] = list;
  const mode = statSync(file).mode & 0o777;
  const tmp = `${file}.uimgacc-${process.pid}.tmp`;
  writeFileSync(tmp, yaml.dump(doc, { noRefs: true, lineWidth: -1 }), { mode });
  renameSync(tmp, file);
  return file;
}
