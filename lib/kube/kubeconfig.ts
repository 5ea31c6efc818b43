import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import * as yaml from 'js-yaml';
import { invalid } from '../errors.ts';
import { t } from '../i18n/index.ts';

/** The connection flags kubectl itself understands, parsed by the plugin because kubectl passes none of them on. */
export interface KubeFlags {
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
  readonly cluster?: string | undefined;
  readonly user?: string | undefined;
  readonly namespace?: string | undefined;
  readonly requestTimeout?: string | undefined;
  /** kubectl's overrides of the effective cluster and user (clientcmd's ConfigOverrides). */
  readonly server?: string | undefined;
  readonly certificateAuthority?: string | undefined;
  readonly insecureSkipTlsVerify?: boolean | undefined;
  readonly tlsServerName?: string | undefined;
  readonly token?: string | undefined;
  /** Impersonation: --as, --as-group (repeatable), --as-uid. */
  readonly as?: string | undefined;
  readonly asGroups?: readonly string[] | undefined;
  readonly asUid?: string | undefined;
}

/** Who the requests impersonate (kubectl's --as/--as-group/--as-uid, or the user's `as`, `as-groups`, `as-uid`). */
export interface Impersonation {
  readonly user: string | undefined;
  readonly groups: readonly string[];
  readonly uid: string | undefined;
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
  /** The flags that override the effective cluster and user, applied by effectiveKubeconfigYaml. */
  readonly overrides: KubeFlags;
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
    throw invalid(t('cli.kubeconfig.cannotRead', { file, reason: (err as Error).message }));
  }
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (err) {
    throw invalid(t('cli.kubeconfig.notYaml', { file, reason: (err as Error).message.split('\n')[0] ?? '' }));
  }
  if (doc === undefined || doc === null) return {};
  if (!isMap(doc)) throw invalid(t('cli.kubeconfig.notMapping', { file }));
  return doc;
}

function entries(doc: YamlMap, key: string, file: string): NamedEntry[] {
  const list = doc[key];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw invalid(t('cli.kubeconfig.notList', { file, key }));
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
    if (!existsSync(file)) throw invalid(t('cli.kubeconfig.missing', { file: flags.kubeconfig }));
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
  if (flags.context && !ctxEntry) throw invalid(t('cli.kubeconfig.contextNotFound', { context: flags.context }));
  const ctx = ctxEntry && isMap(ctxEntry['context']) ? ctxEntry['context'] : undefined;
  const ctxNamespace = typeof ctx?.['namespace'] === 'string' && ctx['namespace'] !== '' ? ctx['namespace'] : undefined;
  const clusterName = flags.cluster || (typeof ctx?.['cluster'] === 'string' ? ctx['cluster'] : undefined);
  const userName = flags.user || (typeof ctx?.['user'] === 'string' ? ctx['user'] : undefined);
  if (flags.cluster && !merged.clusters.some((c) => c.name === flags.cluster)) {
    throw invalid(t('cli.kubeconfig.clusterNotFound', { cluster: flags.cluster }));
  }
  if (flags.user && !merged.users.some((u) => u.name === flags.user)) {
    throw invalid(t('cli.kubeconfig.userNotFound', { user: flags.user }));
  }
  // clientcmd's validation: trusting a CA and skipping verification contradict each other.
  if (flags.insecureSkipTlsVerify && flags.certificateAuthority) {
    throw invalid(t('cli.kubeconfig.caWithInsecure'));
  }
  if ((flags.asGroups?.length || flags.asUid) && !flags.as) {
    throw invalid(t('cli.kubeconfig.impersonateWithoutUser'));
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
    overrides: flags,
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

/** The impersonation in effect: the flags, else what the kubeconfig user says. */
export function impersonationOf(loaded: LoadedKubeconfig): Impersonation {
  const o = loaded.overrides;
  if (o.as) return { user: o.as, groups: [...(o.asGroups ?? [])], uid: o.asUid };
  const user = loaded.merged.users.find((u) => u.name === loaded.userName)?.['user'];
  if (!isMap(user)) return { user: undefined, groups: [], uid: undefined };
  const groups = Array.isArray(user['as-groups']) ? user['as-groups'].filter((g): g is string => typeof g === 'string') : [];
  return { user: typeof user['as'] === 'string' && user['as'] !== '' ? user['as'] : undefined, groups, uid: typeof user['as-uid'] === 'string' && user['as-uid'] !== '' ? user['as-uid'] : undefined };
}

/** The API server the effective context talks to, after --server; undefined when unknown. */
export function serverOf(loaded: LoadedKubeconfig): string | undefined {
  if (loaded.overrides.server) return loaded.overrides.server;
  const cluster = loaded.merged.clusters.find((c) => c.name === loaded.clusterName)?.['cluster'];
  return isMap(cluster) && typeof cluster['server'] === 'string' ? cluster['server'] : undefined;
}

/**
 * A kubeconfig containing only what the effective context needs, with kubectl's overrides applied (--server,
 * --certificate-authority, --insecure-skip-tls-verify, --tls-server-name, --token), ready for client-node's
 * loadFromString. Impersonation is not in it: client-node knows only `as`, so requests add the headers themselves.
 */
export function effectiveKubeconfigYaml(loaded: LoadedKubeconfig): string {
  const { merged, clusterName, userName, contextName, overrides: o } = loaded;
  if (!contextName && !clusterName && !o.server) {
    throw invalid(
      loaded.files.length === 0
        ? t('cli.kubeconfig.none')
        : t('cli.kubeconfig.noCurrentContext'),
    );
  }
  const found = merged.clusters.find((c) => c.name === clusterName);
  if (!found && !o.server) throw invalid(t('cli.kubeconfig.contextClusterNotFound', { cluster: clusterName ?? '', context: contextName ?? '' }));
  const clusterFields: YamlMap = { ...(found && isMap(found['cluster']) ? found['cluster'] : {}) };
  if (o.server) clusterFields['server'] = o.server;
  if (o.certificateAuthority) {
    clusterFields['certificate-authority'] = resolve(o.certificateAuthority);
    delete clusterFields['certificate-authority-data'];
  }
  if (o.insecureSkipTlsVerify) {
    clusterFields['insecure-skip-tls-verify'] = true;
    delete clusterFields['certificate-authority'];
    delete clusterFields['certificate-authority-data'];
  }
  if (o.tlsServerName) clusterFields['tls-server-name'] = o.tlsServerName;
  const user = merged.users.find((u) => u.name === userName) ?? { name: userName ?? 'anonymous', user: {} };
  const userFields: YamlMap = { ...(isMap(user['user']) ? user['user'] : {}) };
  if (o.token) userFields['token'] = o.token;
  delete userFields['as'];
  const name = 'uimgacc-effective';
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: clusterFields }],
    users: [{ name, user: userFields }],
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
  if (!file || !loaded.contextName) throw invalid(t('cli.kubeconfig.noContextToRecord'));
  const doc = readYamlFile(file);
  const contexts = entries(doc, 'contexts', file);
  const entry = contexts.find((c) => c.name === loaded.contextName);
  if (!entry || !isMap(entry['context'])) throw invalid(t('cli.kubeconfig.contextNotInFile', { context: loaded.contextName, file }));
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
