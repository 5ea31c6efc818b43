import type { Readable, Writable } from 'node:stream';
import { invalid } from '../lib/errors.ts';
import { KubeAccess } from '../lib/kube/access.ts';
import type { KubeFlags } from '../lib/kube/kubeconfig.ts';
import { ConfigResolver, type ResolveFlags, type Sourced } from '../lib/config/resolve.ts';
import type { AccelerationApi } from '../lib/ucloud/acceleration.ts';
import { parseDuration } from '../lib/duration.ts';
import { checkClusterIdentity, describeMismatch, requireSameCluster, type IdentityPolicy, type IdentityVerdict } from '../lib/config/identity.ts';
import { PLUGIN_VERSION } from '../lib/version.ts';

/** How long a UCloud-only command waits for the cluster's identity before going on without the warning. */
const ADVISORY_IDENTITY_TIMEOUT_MS = 5000;

/** Flags every command accepts (kubectl's connection flags plus where to find UCloud). */
export interface GlobalFlags extends KubeFlags, ResolveFlags {
  readonly verbosity: number;
  /** Hidden: seconds between status polls while waiting; tests shorten it. */
  readonly pollInterval?: string | undefined;
}

export interface Streams {
  readonly out: Writable;
  readonly err: Writable;
  /** Standard input, for `-f -`. */
  readonly input?: Readable | undefined;
  /** Whether stderr is a terminal (live progress) and whether to colour. */
  readonly interactive: boolean;
  /**
   * stderr without escaping, for the spinner's own control sequences; `out`/`err` escape control characters (cmd/
   * safe-text.ts). Defaults to `err`.
   */
  readonly terminal?: Writable | undefined;
}

/** Everything a command touches, injected so commands run the same under tests as in a terminal. */
export class Context {
  readonly streams: Streams;
  readonly env: NodeJS.ProcessEnv;
  readonly flags: GlobalFlags;
  readonly kube: KubeAccess;
  readonly config: ConfigResolver;
  #ucloud: Promise<AccelerationApi> | undefined;

  constructor(flags: GlobalFlags, streams: Streams, env: NodeJS.ProcessEnv, home?: string) {
    this.flags = flags;
    this.streams = streams;
    this.env = env;
    this.kube = new KubeAccess(flags, env);
    this.config = new ConfigResolver({ flags, env, cluster: this.kube, home });
  }

  get out(): Writable {
    return this.streams.out;
  }

  /** `-v` diagnostics on stderr; never used for secrets. */
  debug(level: number, line: string): void {
    if (this.flags.verbosity >= level) this.streams.err.write(`I ${line}\n`);
  }

  warn(line: string): void {
    this.streams.err.write(`Warning: ${line}\n`);
  }

  #explain(what: string, v: Sourced | undefined, secret = false): void {
    if (!v) this.debug(1, `${what}: not set`);
    else this.debug(1, `${what}: ${secret ? '(set)' : v.value} (from ${v.source})`);
  }

  /** The cluster UCloud acts on against the identity of the Kubernetes cluster being read (uk8sconfig, context). */
  async clusterIdentity(): Promise<IdentityVerdict> {
    const v = checkClusterIdentity(await this.config.clusterId(), await this.config.kubernetesIdentity());
    this.debug(1, `Kubernetes cluster identity: ${v.kind === 'unknown' ? `unknown (${v.why})` : `${v.kubernetes.value} (from ${v.kubernetes.source})`}`);
    return v;
  }

  /**
   * For commands whose answer is only right when the Kubernetes cluster is the UK8S cluster UCloud acts on (delete,
   * disable, patch, who-uses, …): throws on a mismatch (and on an unknown identity when the policy says so).
   */
  async requireSameCluster(policy: IdentityPolicy): Promise<void> {
    const warning = requireSameCluster(await this.clusterIdentity(), policy);
    if (warning) this.warn(`${warning}; going ahead (--force)`);
  }

  /**
   * For commands that only talk to UCloud (status, list, create, enable): one warning when the context's cluster is
   * known and is another one. Advisory, so it never fails the command and never waits long for a slow apiserver.
   */
  async warnIfOtherCluster(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ADVISORY_IDENTITY_TIMEOUT_MS);
    });
    try {
      const v = await Promise.race([this.clusterIdentity(), limit]);
      if (v === undefined) this.debug(1, 'Kubernetes cluster identity: not read in time, no check');
      else if (v.kind === 'different') this.warn(`${describeMismatch(v)}: acting on ${v.ucloud.value}`);
    } catch (err) {
      // The command resolves the cluster ID itself and reports a failure there.
      this.debug(1, `Kubernetes cluster identity: not checked: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The text of a -f FILE argument; `-` reads standard input, as kubectl does. */
  async readInput(file: string): Promise<string> {
    if (file === '-') {
      const input = this.streams.input;
      if (!input) throw invalid('-f -: there is no standard input to read');
      const chunks: Buffer[] = [];
      for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
      return Buffer.concat(chunks).toString('utf8');
    }
    try {
      // Imported here: node:fs/promises brings readline and fs streams, ~15 internal modules every command would load.
      const { readFile } = await import('node:fs/promises');
      return await readFile(file, 'utf8');
    } catch (err) {
      throw invalid(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
    }
  }

  pollIntervalMs(): number {
    return this.flags.pollInterval ? Math.max(10, parseDuration(this.flags.pollInterval)) : 3000;
  }

  /** The UCloud API of the resolved cluster; resolution happens once and is explained with -v. */
  ucloud(): Promise<AccelerationApi> {
    this.#ucloud ??= (async () => {
      const clusterId = await this.config.clusterId();
      const region = await this.config.region();
      const projectId = await this.config.projectId();
      const baseUrl = await this.config.baseUrl();
      const credentials = await this.config.credentials();
      this.#explain('cluster ID', clusterId);
      this.#explain('region', region);
      this.#explain('project ID', projectId);
      this.#explain('API endpoint', baseUrl);
      this.#explain('public key', credentials.publicKey, true);
      this.#explain('private key', credentials.privateKey, true);
      for (const note of this.config.notes) this.debug(1, `note: ${note}`);
      // Loaded on first use: commands that never call UCloud (version, patch --image, …) skip the signing code.
      const [{ UCloudClient }, { AccelerationApi }] = await Promise.all([import('../lib/ucloud/client.ts'), import('../lib/ucloud/acceleration.ts')]);
      const client = new UCloudClient({
        baseUrl: baseUrl.value,
        region: region.value,
        projectId: projectId?.value,
        credentials: { publicKey: credentials.publicKey.value, privateKey: credentials.privateKey.value },
        userAgent: `kubectl-uimgacc/${PLUGIN_VERSION}`,
        timeoutMs: this.#apiTimeoutMs(),
        debug: (line) => this.debug(2, line),
      });
      return new AccelerationApi(client, clusterId.value);
    })();
    return this.#ucloud;
  }

  #apiTimeoutMs(): number | undefined {
    const v = this.env['UIMGACC_API_TIMEOUT'];
    return v ? parseDuration(v) : undefined;
  }
}
