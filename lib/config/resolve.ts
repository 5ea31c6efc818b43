import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { invalid } from '../errors.ts';
import { DEFAULT_API_BASE_URL } from '../ucloud/client.ts';
import { redactUrl } from '../ucloud/errors.ts';
import type { LoadedKubeconfig } from '../kube/kubeconfig.ts';
import { describeKubeError } from '../kube/errors.ts';
import {
  DEFAULT_CREDENTIALS_SECRET,
  SECRET_KEYS,
  UK8S_CONFIGMAP,
  UK8S_CONFIGMAP_KEYS,
  isClusterId,
  parseSecretRef,
  type SecretRef,
} from './secret.ts';

/** A configuration value and where it came from, for `-v` and for error messages. */
export interface Sourced {
  readonly value: string;
  readonly source: string;
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

interface Profile {
  readonly name: string;
  readonly file: string;
  readonly region?: string | undefined;
  readonly projectId?: string | undefined;
  readonly baseUrl?: string | undefined;
  readonly publicKey?: string | undefined;
  readonly privateKey?: string | undefined;
}

type Candidate = () => Sourced | undefined | Promise<Sourced | undefined>;

function nonEmpty(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

function readJsonArray(file: string): Record<string, unknown>[] | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalid(`${file} is not valid JSON`);
  }
  if (!Array.isArray(doc)) throw invalid(`${file} must hold a JSON array (ucloud-cli format)`);
  return doc.filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null);
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

  #fromEnv(name: string): Candidate {
    return () => {
      const v = nonEmpty(this.#env[name]);
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

  #fromSecret(key: string): Candidate {
    return async () => {
      const v = nonEmpty((await this.secret())?.[key]);
      return v ? { value: v, source: `Secret ${this.secretRef.namespace}/${this.secretRef.name}` } : undefined;
    };
  }

  #fromProfile(pick: (p: Profile) => string | undefined): Candidate {
    return () => {
      const p = this.profile();
      const v = p ? nonEmpty(pick(p)) : undefined;
      return v && p ? { value: v, source: `ucloud-cli profile "${p.name}" (${p.file})` } : undefined;
    };
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
        if (!data) this.notes.push(`${what} does not exist`);
        return data;
      } catch (err) {
        // A missing or broken kubeconfig affects every object alike: say it once.
        const note =
          err instanceof Error && err.name === 'UserError' ? `the cluster was not consulted: ${err.message}` : `could not read ${what}: ${describeKubeError(err)}`;
        if (!this.notes.includes(note)) this.notes.push(note);
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
    const configFile = join(dir, 'config.json');
    const credentialFile = join(dir, 'credential.json');
    const configs = readJsonArray(configFile) ?? [];
    const creds = readJsonArray(credentialFile) ?? [];
    const wanted = nonEmpty(this.#flags.profile) ?? nonEmpty(this.#env['UCLOUD_PROFILE']);
    const name = wanted ?? nonEmpty(configs.find((c) => c['active'] === true)?.['profile']) ?? 'default';
    const config = configs.find((c) => c['profile'] === name);
    const cred = creds.find((c) => c['profile'] === name);
    if (!config && !cred) {
      if (wanted) throw invalid(`ucloud-cli profile "${wanted}" not found in ${configFile} or ${credentialFile}`);
      this.#profile = null;
      return null;
    }
    this.#profile = {
      name,
      file: cred ? credentialFile : configFile,
      region: nonEmpty(config?.['region']),
      projectId: nonEmpty(config?.['project_id']),
      baseUrl: nonEmpty(config?.['base_url']),
      publicKey: nonEmpty(cred?.['public_key']),
      privateKey: nonEmpty(cred?.['private_key']),
    };
    return this.#profile;
  }

  async clusterId(): Promise<Sourced> {
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
      throw invalid(
        'cannot tell which UK8S cluster to use: pass --cluster-id, set UCLOUD_UK8S_CLUSTER_ID, or record it with `kubectl uimgacc configure --cluster-id uk8s-…`',
        ...this.notes.map((n) => `note: ${n}`),
      );
    }
    if (!isClusterId(found.value)) {
      throw invalid(`invalid cluster ID "${found.value}" (from ${found.source}): UK8S cluster IDs look like uk8s-xxxxxxxx`);
    }
    return found;
  }

  async region(): Promise<Sourced> {
    const found = await this.#first([
      this.#fromFlag(this.#flags.region, 'region'),
      this.#fromEnv('UCLOUD_REGION'),
      this.#fromContext((e) => e.region),
      this.#fromConfigMap(UK8S_CONFIGMAP_KEYS.region),
      this.#fromSecret(SECRET_KEYS.region),
      this.#fromProfile((p) => p.region),
    ]);
    if (!found) {
      throw invalid(
        'cannot tell the UCloud region of the cluster: pass --region or set UCLOUD_REGION (e.g. cn-bj2)',
        ...this.notes.map((n) => `note: ${n}`),
      );
    }
    return found;
  }

  /** Optional: without it UCloud uses the key's default project. */
  projectId(): Promise<Sourced | undefined> {
    return this.#first([
      this.#fromFlag(this.#flags.projectId, 'project-id'),
      this.#fromEnv('UCLOUD_PROJECT_ID'),
      this.#fromContext((e) => e.projectId),
      this.#fromConfigMap(UK8S_CONFIGMAP_KEYS.projectId),
      this.#fromSecret(SECRET_KEYS.projectId),
      this.#fromProfile((p) => p.projectId),
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
      this.#fromProfile((p) => p.baseUrl),
    ])) ?? { value: DEFAULT_API_BASE_URL, source: 'default' };
    let url: URL;
    try {
      url = new URL(found.value);
    } catch {
      throw invalid(`invalid UCloud API endpoint "${redactUrl(found.value)}" (from ${found.source}): use a URL like ${DEFAULT_API_BASE_URL}`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw invalid(`invalid UCloud API endpoint "${redactUrl(found.value)}" (from ${found.source}): only http and https are supported`);
    }
    return found;
  }

  /** The key pair: env > credentials Secret > ucloud-cli profile. A pair is taken whole from one source. */
  async credentials(): Promise<Credentials> {
    const envPublic = nonEmpty(this.#env['UCLOUD_PUBLIC_KEY']);
    const envPrivate = nonEmpty(this.#env['UCLOUD_PRIVATE_KEY']);
    if (envPublic || envPrivate) {
      if (!envPublic || !envPrivate) {
        throw invalid(`${envPublic ? 'UCLOUD_PUBLIC_KEY' : 'UCLOUD_PRIVATE_KEY'} is set but ${envPublic ? 'UCLOUD_PRIVATE_KEY' : 'UCLOUD_PUBLIC_KEY'} is not: set both or neither`);
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
    if (secret && (sPublic || sPrivate)) this.notes.push(`${secretName} holds only one of ${SECRET_KEYS.publicKey} and ${SECRET_KEYS.privateKey}`);
    const profile = this.profile();
    if (profile?.publicKey && profile.privateKey) {
      const source = `ucloud-cli profile "${profile.name}" (${profile.file})`;
      return { publicKey: { value: profile.publicKey, source }, privateKey: { value: profile.privateKey, source } };
    }
    if (profile) {
      this.notes.push(`ucloud-cli profile "${profile.name}" has no key pair (a profile logged in with OAuth has none): create an API key pair in the UCloud console`);
    }
    throw invalid(
      'no UCloud API key pair found: set UCLOUD_PUBLIC_KEY and UCLOUD_PRIVATE_KEY, store them in the cluster with `kubectl uimgacc configure`, or set up a ucloud-cli profile',
      ...this.notes.map((n) => `note: ${n}`),
    );
  }

  /** A value needed only by `enable`: flag > env > Secret > (ConfigMap, for the subnet). */
  async enableValue(key: 'nfsAddr' | 'subnetId' | 'uhubUsername' | 'uhubPassword', flagValue: string | undefined, flag: string, envName: string): Promise<Sourced | undefined> {
    const candidates: Candidate[] = [this.#fromFlag(flagValue, flag), this.#fromEnv(envName), this.#fromSecret(SECRET_KEYS[key])];
    // The cluster's own subnet is the natural default for the acceleration's UFS mount.
    if (key === 'subnetId') candidates.push(this.#fromConfigMap(UK8S_CONFIGMAP_KEYS.subnetId));
    return this.#first(candidates);
  }
}
