import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { invalid } from '../errors.ts';
import { DEFAULT_API_BASE_URL } from '../ucloud/endpoints.ts';
import { redactUrl } from '../ucloud/errors.ts';
import type { LoadedKubeconfig } from '../kube/kubeconfig.ts';
import { describeKubeError } from '../kube/errors.ts';
import { t } from '../i18n/index.ts';
import type { KubernetesIdentity } from './identity.ts';
import {
  DEFAULT_CREDENTIALS_SECRET,
  SECRET_KEYS,
  UK8S_CONFIGMAP,
  UK8S_CONFIGMAP_KEYS,
  isClusterId,
  parseSecretRef,
  type SecretRef,
} from './secret.ts';

/**
 * A configuration value and where it came from, for `-v` and for error messages. `source` is English (`flag
 * --region`, `env UCLOUD_REGION`, `kubeconfig context "prod"`, …): the helper logs it and code tests its prefix;
 * describeSource() words it in the user's language.
 */
export interface Sourced {
  readonly value: string;
  readonly source: string;
}

/** A source in the user's language; names of flags, variables, objects and files stay as they are. */
export function describeSource(source: string): string {
  let m: RegExpExecArray | null;
  if ((m = /^flag (--[\w-]+)$/.exec(source))) return t('setup.source.flag', { flag: m[1] ?? '' });
  if ((m = /^env (\w+)$/.exec(source))) return t('setup.source.env', { name: m[1] ?? '' });
  if ((m = /^kubeconfig context "(.*)"$/.exec(source))) return t('setup.source.context', { context: m[1] ?? '' });
  if ((m = /^kubeconfig name "(.*)"$/.exec(source))) return t('setup.source.kubeconfigName', { name: m[1] ?? '' });
  if ((m = /^ucloud-cli profile "(.*)" \((.*)\)$/.exec(source))) return t('setup.source.profile', { profile: m[1] ?? '', file: m[2] ?? '' });
  if (source === 'default') return t('setup.source.default');
  // Kubernetes objects (ConfigMap …, Secret …) are named the same in every language.
  return source;
}

/** `VALUE (from SOURCE)` in the user's language. */
export function describeSourced(v: Sourced, value = v.value): string {
  return t('setup.source.valueFrom', { value, source: describeSource(v.source) });
}

/** The `note: …` lines under an error. */
export function noteLines(notes: readonly string[]): string[] {
  return notes.map((note) => t('setup.note', { note }));
}

export interface ResolveFlags {
  readonly clusterId?: string | undefined;
  readonly region?: string | undefined;
  readonly projectId?: string | undefined;
  readonly apiEndpoint?: string | undefined;
  readonly credentialsSecret?: string | undefined;
  readonly profile?: string | undefined;
}

/** What the resolver needs from the cluster; KubeAccess implements it. */
export interface ClusterReader {
  readonly loaded: LoadedKubeconfig;
  inCluster(): boolean;
  readConfigMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  readSecret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
}

export interface Credentials {
  readonly publicKey: Sourced;
  readonly privateKey: Sourced;
}

/**
 * One ucloud-cli file, read as ucloud-cli reads it: missing or empty means no profiles; the old single-object format
 * (one unnamed profile, key pair included) is the "default" profile. A file that cannot be read or parsed is kept as
 * its error, which is raised only when a value is actually needed from it.
 */
type ProfileFile = { readonly file: string; readonly entries: readonly Record<string, unknown>[] } | { readonly file: string; readonly error: string };

interface Profile {
  readonly name: string;
  readonly config: ProfileFile;
  readonly credential: ProfileFile;
}

const PROFILE_KEYS = { region: 'region', projectId: 'project_id', baseUrl: 'base_url', publicKey: 'public_key', privateKey: 'private_key' } as const;

type Candidate = () => Sourced | undefined | Promise<Sourced | undefined>;

function nonEmpty(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

function rawNonEmpty(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readProfileFile(file: string): ProfileFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { file, entries: [] };
    return { file, error: t('setup.config.cannotReadFile', { file, error: (err as Error).message }) };
  }
  if (text.trim() === '') return { file, entries: [] };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { file, error: t('setup.config.notJson', { file }) };
  }
  if (Array.isArray(doc)) return { file, entries: doc.filter(isObject) };
  // ucloud-cli before profiles kept one object with everything in config.json.
  if (isObject(doc)) return { file, entries: [{ profile: 'default', ...doc }] };
  return { file, error: t('setup.config.notProfiles', { file }) };
}

function entryOf(f: ProfileFile, name: string): Record<string, unknown> | undefined {
  return 'entries' in f ? f.entries.find((e) => (nonEmpty(e['profile']) ?? 'default') === name) : undefined;
}

/**
 * Resolves the UK8S cluster, region, project, endpoint and UCloud key pair, each with kubectl-like precedence:
 * flags > environment > kubeconfig context > cluster (ConfigMap uk8sconfig, credentials Secret) > ucloud-cli profile.
 * The cluster is only read when a value is still missing, and what could not be read is remembered as a note
 * instead of failing, because another source may still supply the value.
 */
export class ConfigResolver {
  readonly notes: string[] = [];
  readonly secretRef: SecretRef;
  readonly #flags: ResolveFlags;
  readonly #env: NodeJS.ProcessEnv;
  readonly #cluster: ClusterReader | undefined;
  readonly #home: string;
  #configMap: Promise<Record<string, string> | undefined> | undefined;
  #secret: Promise<Record<string, string> | undefined> | undefined;
  #profile: Profile | null | undefined;
  #clusterId: Promise<Sourced> | undefined;
  /** Why an object of the cluster could not be read (absent, forbidden, unreachable), by description. */
  readonly #problems = new Map<string, string>();

  constructor(opts: { flags: ResolveFlags; env: NodeJS.ProcessEnv; cluster?: ClusterReader | undefined; home?: string | undefined }) {
    this.#flags = opts.flags;
    this.#env = opts.env;
    this.#cluster = opts.cluster;
    this.#home = opts.home ?? homedir();
    this.secretRef = opts.flags.credentialsSecret ? parseSecretRef(opts.flags.credentialsSecret) : DEFAULT_CREDENTIALS_SECRET;
  }

  #fromFlag(value: string | undefined, flag: string): Candidate {
    return () => (nonEmpty(value) ? { value: (value as string).trim(), source: `flag --${flag}` } : undefined);
  }

  /** `raw`: the value exactly as set (a password), not trimmed. */
  #fromEnv(name: string, raw = false): Candidate {
    return () => {
      const v = raw ? rawNonEmpty(this.#env[name]) : nonEmpty(this.#env[name]);
      return v ? { value: v, source: `env ${name}` } : undefined;
    };
  }

  #fromContext(pick: (ext: NonNullable<LoadedKubeconfig['extension']>) => string | undefined): Candidate {
    return () => {
      const loaded = this.#kubeconfig();
      const v = loaded?.extension ? pick(loaded.extension) : undefined;
      return v ? { value: v, source: `kubeconfig context "${loaded?.contextName ?? ''}"` } : undefined;
    };
  }

  #fromConfigMap(key: string): Candidate {
    return async () => {
      const v = nonEmpty((await this.configMap())?.[key]);
      return v ? { value: v, source: `ConfigMap ${UK8S_CONFIGMAP.namespace}/${UK8S_CONFIGMAP.name}` } : undefined;
    };
  }

  #fromSecret(key: string, raw = false): Candidate {
    return async () => {
      const value = (await this.secret())?.[key];
      const v = raw ? rawNonEmpty(value) : nonEmpty(value);
      return v ? { value: v, source: `Secret ${this.secretRef.namespace}/${this.secretRef.name}` } : undefined;
    };
  }

  /**
   * A cluster-specific value (region, project, subnet, …) from uk8sconfig or the credentials Secret, used only when
   * that object describes the cluster UCloud acts on: uk8sconfig always names its cluster; a Secret that names none
   * (written by hand or by the chart) is taken as this cluster's.
   */
  #fromClusterObject(object: 'configMap' | 'secret', key: string): Candidate {
    return async () => {
      const data = object === 'configMap' ? await this.configMap() : await this.secret();
      const v = nonEmpty(data?.[key]);
      if (!v) return undefined;
      const name = object === 'configMap' ? `ConfigMap ${UK8S_CONFIGMAP.namespace}/${UK8S_CONFIGMAP.name}` : `Secret ${this.secretRef.namespace}/${this.secretRef.name}`;
      const owner = nonEmpty(data?.[object === 'configMap' ? UK8S_CONFIGMAP_KEYS.clusterId : SECRET_KEYS.clusterId]);
      if (object === 'secret' && owner === undefined) return { value: v, source: name };
      const resolved = await this.clusterId().catch(() => undefined);
      if (resolved && owner === resolved.value) return { value: v, source: name };
      const note = t('setup.config.otherCluster', { object: name, owner: owner ?? t('setup.config.noClusterNamed'), cluster: resolved?.value ?? t('setup.config.clusterInUse'), key });
      if (!this.notes.includes(note)) this.notes.push(note);
      return undefined;
    };
  }

  /** A value of the ucloud-cli profile, from config.json (region, project, base_url) or credential.json (keys). */
  #fromProfile(key: keyof typeof PROFILE_KEYS): Candidate {
    return () => this.profileValue(key);
  }

  /**
   * One value of the profile, naming the file it is in. The key pair is in credential.json, or (old format) in
   * config.json; everything else in config.json. A broken file is an error here, when its value is needed.
   */
  profileValue(key: keyof typeof PROFILE_KEYS): Sourced | undefined {
    const p = this.profile();
    if (!p) return undefined;
    const files = key === 'publicKey' || key === 'privateKey' ? [p.credential, p.config] : [p.config];
    for (const f of files) {
      if ('error' in f) throw invalid(f.error);
      const v = nonEmpty(entryOf(f, p.name)?.[PROFILE_KEYS[key]]);
      if (v) return { value: v, source: `ucloud-cli profile "${p.name}" (${f.file})` };
    }
    return undefined;
  }

  async #first(candidates: readonly Candidate[]): Promise<Sourced | undefined> {
    for (const c of candidates) {
      const v = await c();
      if (v) return v;
    }
    return undefined;
  }

  /** The kubeconfig, or undefined when there is none; invalid flags (unknown --context) still throw. */
  #kubeconfig(): LoadedKubeconfig | undefined {
    if (!this.#cluster) return undefined;
    return this.#cluster.loaded;
  }

  #readCluster(what: string, read: (c: ClusterReader) => Promise<Record<string, string> | undefined>): Promise<Record<string, string> | undefined> {
    const cluster = this.#cluster;
    if (!cluster) return Promise.resolve(undefined);
    return (async () => {
      try {
        const data = await read(cluster);
        if (!data) {
          const note = t('setup.config.missingObject', { object: what });
          this.notes.push(note);
          this.#problems.set(what, note);
        }
        return data;
      } catch (err) {
        // A missing or broken kubeconfig affects every object alike: say it once.
        const note =
          err instanceof Error && err.name === 'UserError'
            ? t('setup.config.clusterNotConsulted', { error: err.message })
            : t('setup.config.cannotReadObject', { object: what, error: describeKubeError(err) });
        if (!this.notes.includes(note)) this.notes.push(note);
        this.#problems.set(what, note);
        return undefined;
      }
    })();
  }

  configMap(): Promise<Record<string, string> | undefined> {
    this.#configMap ??= this.#readCluster(`ConfigMap ${UK8S_CONFIGMAP.namespace}/${UK8S_CONFIGMAP.name}`, (c) =>
      c.readConfigMap(UK8S_CONFIGMAP.namespace, UK8S_CONFIGMAP.name),
    );
    return this.#configMap;
  }

  secret(): Promise<Record<string, string> | undefined> {
    this.#secret ??= this.#readCluster(`Secret ${this.secretRef.namespace}/${this.secretRef.name}`, (c) =>
      c.readSecret(this.secretRef.namespace, this.secretRef.name),
    );
    return this.#secret;
  }

  /** The ucloud-cli profile: --profile > UCLOUD_PROFILE > the active one > "default"; null when there is none. */
  profile(): Profile | null {
    if (this.#profile !== undefined) return this.#profile;
    const dir = join(this.#home, '.ucloud');
    const config = readProfileFile(join(dir, 'config.json'));
    const credential = readProfileFile(join(dir, 'credential.json'));
    const wanted = nonEmpty(this.#flags.profile) ?? nonEmpty(this.#env['UCLOUD_PROFILE']);
    // Which profile is active is only written in config.json: without a name, a broken config.json is needed now.
    if (!wanted && 'error' in config) throw invalid(config.error);
    const active = 'entries' in config ? config.entries.find((c) => c['active'] === true) : undefined;
    const name = wanted ?? (active ? (nonEmpty(active['profile']) ?? 'default') : 'default');
    const known = [config, credential].some((f) => 'error' in f || entryOf(f, name) !== undefined);
    if (!known) {
      if (wanted) throw invalid(t('setup.config.profileNotFound', { profile: wanted, config: config.file, credential: credential.file }));
      this.#profile = null;
      return null;
    }
    this.#profile = { name, config, credential };
    return this.#profile;
  }

  /** The UK8S cluster UCloud acts on; resolved once. */
  clusterId(): Promise<Sourced> {
    this.#clusterId ??= this.#resolveClusterId();
    return this.#clusterId;
  }

  /**
   * Which UK8S cluster the Kubernetes cluster being read is: uk8sconfig's UCLOUD_UK8S_CLUSTER_ID, else what
   * `configure` recorded on the kubeconfig context. Never throws for an unreadable cluster: that is an unknown identity.
   */
  async kubernetesIdentity(): Promise<KubernetesIdentity> {
    const what = `ConfigMap ${UK8S_CONFIGMAP.namespace}/${UK8S_CONFIGMAP.name}`;
    const cm = await this.configMap();
    const fromCm = nonEmpty(cm?.[UK8S_CONFIGMAP_KEYS.clusterId]);
    if (fromCm) return { known: true, id: { value: fromCm, source: what } };
    const loaded = this.#cluster?.inCluster() ? undefined : this.#kubeconfig();
    const recorded = nonEmpty(loaded?.extension?.clusterId);
    if (recorded) return { known: true, id: { value: recorded, source: `kubeconfig context "${loaded?.contextName ?? ''}"` } };
    const cmWhy = cm ? t('setup.config.noClusterIdKey', { object: what, key: UK8S_CONFIGMAP_KEYS.clusterId }) : (this.#problems.get(what) ?? t('setup.config.objectNotRead', { object: what }));
    const ctxWhy = loaded?.contextName ? t('setup.config.contextRecordsNone', { context: loaded.contextName }) : t('setup.config.noContextRecords');
    return { known: false, why: t('setup.config.identityUnknown', { configMap: cmWhy, context: ctxWhy }) };
  }

  async #resolveClusterId(): Promise<Sourced> {
    const found = await this.#first([
      this.#fromFlag(this.#flags.clusterId, 'cluster-id'),
      this.#fromEnv('UCLOUD_UK8S_CLUSTER_ID'),
      this.#fromContext((e) => e.clusterId),
      () => {
        // A context or cluster named after the UK8S cluster ID is as good as a recorded one.
        const loaded = this.#kubeconfig();
        for (const name of [loaded?.contextName, loaded?.clusterName]) {
          if (name && isClusterId(name)) return { value: name, source: `kubeconfig name "${name}"` };
        }
        return undefined;
      },
      this.#fromConfigMap(UK8S_CONFIGMAP_KEYS.clusterId),
      this.#fromSecret(SECRET_KEYS.clusterId),
    ]);
    if (!found) {
      throw invalid(t('setup.config.noClusterId'), ...noteLines(this.notes));
    }
    if (!isClusterId(found.value)) {
      throw invalid(t('setup.config.invalidClusterId', { value: found.value, source: describeSource(found.source) }));
    }
    return found;
  }

  async region(): Promise<Sourced> {
    const found = await this.#first([
      this.#fromFlag(this.#flags.region, 'region'),
      this.#fromEnv('UCLOUD_REGION'),
      this.#fromContext((e) => e.region),
      this.#fromClusterObject('configMap', UK8S_CONFIGMAP_KEYS.region),
      this.#fromClusterObject('secret', SECRET_KEYS.region),
      this.#fromProfile('region'),
    ]);
    if (!found) {
      throw invalid(t('setup.config.noRegion'), ...noteLines(this.notes));
    }
    return found;
  }

  /** Optional: without it UCloud uses the key's default project. */
  projectId(): Promise<Sourced | undefined> {
    return this.#first([
      this.#fromFlag(this.#flags.projectId, 'project-id'),
      this.#fromEnv('UCLOUD_PROJECT_ID'),
      this.#fromContext((e) => e.projectId),
      this.#fromClusterObject('configMap', UK8S_CONFIGMAP_KEYS.projectId),
      this.#fromClusterObject('secret', SECRET_KEYS.projectId),
      this.#fromProfile('projectId'),
    ]);
  }

  /**
   * The API endpoint. The ConfigMap's endpoint is deliberately not used: it is the VPC-internal one, which a laptop
   * cannot reach.
   */
  async baseUrl(): Promise<Sourced> {
    const found = (await this.#first([
      this.#fromFlag(this.#flags.apiEndpoint, 'api-endpoint'),
      this.#fromEnv('UCLOUD_API_BASE_URL'),
      // What `configure` stored: the endpoint the user chose for this cluster.
      this.#fromSecret(SECRET_KEYS.apiBaseUrl),
      this.#fromProfile('baseUrl'),
    ])) ?? { value: DEFAULT_API_BASE_URL, source: 'default' };
    let url: URL;
    try {
      url = new URL(found.value);
    } catch {
      throw invalid(t('setup.config.invalidEndpoint', { value: redactUrl(found.value), source: describeSource(found.source), example: DEFAULT_API_BASE_URL }));
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw invalid(t('setup.config.endpointScheme', { value: redactUrl(found.value), source: describeSource(found.source) }));
    }
    return found;
  }

  /**
   * The key pair: --profile (named explicitly, it wins) > env > credentials Secret > ucloud-cli profile (UCLOUD_PROFILE
   * or the active one). A pair is taken whole from one source.
   */
  async credentials(): Promise<Credentials> {
    const explicit = nonEmpty(this.#flags.profile);
    if (explicit) {
      const pair = this.#profilePair();
      if (!pair) {
        throw invalid(t('setup.config.profileWithoutKeys', { profile: explicit }));
      }
      return pair;
    }
    const envPublic = nonEmpty(this.#env['UCLOUD_PUBLIC_KEY']);
    const envPrivate = nonEmpty(this.#env['UCLOUD_PRIVATE_KEY']);
    if (envPublic || envPrivate) {
      if (!envPublic || !envPrivate) {
        throw invalid(t('setup.config.halfKeyPair', envPublic ? { set: 'UCLOUD_PUBLIC_KEY', unset: 'UCLOUD_PRIVATE_KEY' } : { set: 'UCLOUD_PRIVATE_KEY', unset: 'UCLOUD_PUBLIC_KEY' }));
      }
      return { publicKey: { value: envPublic, source: 'env UCLOUD_PUBLIC_KEY' }, privateKey: { value: envPrivate, source: 'env UCLOUD_PRIVATE_KEY' } };
    }
    const secret = await this.secret();
    const secretName = `Secret ${this.secretRef.namespace}/${this.secretRef.name}`;
    const sPublic = nonEmpty(secret?.[SECRET_KEYS.publicKey]);
    const sPrivate = nonEmpty(secret?.[SECRET_KEYS.privateKey]);
    if (sPublic && sPrivate) {
      return { publicKey: { value: sPublic, source: secretName }, privateKey: { value: sPrivate, source: secretName } };
    }
    if (secret && (sPublic || sPrivate)) this.notes.push(t('setup.config.secretHalfKeyPair', { secret: secretName, publicKey: SECRET_KEYS.publicKey, privateKey: SECRET_KEYS.privateKey }));
    const pair = this.#profilePair();
    if (pair) return pair;
    const profile = this.profile();
    if (profile) {
      this.notes.push(t('setup.config.profileNoKeys', { profile: profile.name }));
    }
    throw invalid(t('setup.config.noKeyPair'), ...noteLines(this.notes));
  }

  #profilePair(): Credentials | undefined {
    const publicKey = this.profileValue('publicKey');
    const privateKey = this.profileValue('privateKey');
    return publicKey && privateKey ? { publicKey, privateKey } : undefined;
  }

  /** A value needed only by `enable`: flag > env > Secret > (ConfigMap, for the subnet). */
  async enableValue(key: 'nfsAddr' | 'subnetId' | 'uhubUsername' | 'uhubPassword', flagValue: string | undefined, flag: string, envName: string): Promise<Sourced | undefined> {
    // The NFS address and subnet belong to one cluster's VPC; the UHub account does not.
    const perCluster = key === 'nfsAddr' || key === 'subnetId';
    // A password is used exactly as given: a space at either end is part of it.
    const raw = key === 'uhubPassword';
    const candidates: Candidate[] = [
      this.#fromFlag(flagValue, flag),
      this.#fromEnv(envName, raw),
      perCluster ? this.#fromClusterObject('secret', SECRET_KEYS[key]) : this.#fromSecret(SECRET_KEYS[key], raw),
    ];
    // The cluster's own subnet is the natural default for the acceleration's UFS mount.
    if (key === 'subnetId') candidates.push(this.#fromClusterObject('configMap', UK8S_CONFIGMAP_KEYS.subnetId));
    return this.#first(candidates);
  }
}
