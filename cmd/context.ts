import type { Readable, Writable } from 'node:stream';
import { KubeAccess, parseRequestTimeout } from '../lib/kube/access.ts';
import { invalid, UserError } from '../lib/errors.ts';
import { redactUrl, UCloudCancelledError } from '../lib/ucloud/errors.ts';
import { formatDuration, parseDuration } from '../lib/duration.ts';
import type { KubeFlags } from '../lib/kube/kubeconfig.ts';
import { ConfigResolver, describeSource, noteLines, type ResolveFlags, type Sourced } from '../lib/config/resolve.ts';
import type { AccelerationApi } from '../lib/ucloud/acceleration.ts';
import { checkClusterIdentity, describeMismatch, requireSameCluster, type IdentityPolicy, type IdentityVerdict } from '../lib/config/identity.ts';
import { PLUGIN_VERSION } from '../lib/version.ts';
import { t } from '../lib/i18n/index.ts';
import { writeStyled } from './safe-text.ts';

/** How long a UCloud-only command waits for the cluster's identity before going on without the warning. */
const ADVISORY_IDENTITY_TIMEOUT_MS = 5000;

/** Flags every command accepts (kubectl's connection flags plus where to find UCloud). */
export interface GlobalFlags extends KubeFlags, ResolveFlags {
  readonly verbosity: number;
  /** Hidden: seconds between status polls while waiting; tests shorten it. */
  readonly pollInterval?: string | undefined;
  /** Hidden: how long status reads may fail in a row while waiting before giving up; tests shorten it. */
  readonly readFailureLimit?: string | undefined;
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
  /** Fired when the command's --timeout runs out: UCloud calls and the in-use scan stop. */
  readonly #stop = new AbortController();
  #deadline: { readonly at: number; readonly ms: number } | undefined;

  constructor(flags: GlobalFlags, streams: Streams, env: NodeJS.ProcessEnv, home?: string) {
    this.flags = flags;
    this.streams = streams;
    this.env = env;
    this.kube = new KubeAccess(flags, env);
    this.config = new ConfigResolver({ flags, env, cluster: this.kube, home });
  }

  /** Aborted when the command's --timeout has run out; the reason says so. */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  /** Bounds the whole command, from now (its first call included); 0 = no limit. */
  limitTo(ms: number): void {
    if (ms <= 0) return;
    this.#deadline = { at: Date.now() + ms, ms };
    setTimeout(() => this.#stop.abort(new Error(t('cli.timeoutRanOut', { duration: formatDuration(ms) }))), ms).unref();
  }

  /** When --timeout runs out (epoch ms); undefined without a limit. */
  deadlineAt(): number | undefined {
    return this.#deadline?.at;
  }

  timedOut(): boolean {
    return this.#deadline !== undefined && this.#stop.signal.aborted && Date.now() >= this.#deadline.at;
  }

  /**
   * What an error means once --timeout has run out: whatever was cut short (a scan, a call), the command timed out,
   * with exit 4 and what is known. Errors that already say so pass unchanged.
   */
  explainStop(err: unknown): unknown {
    if (!this.timedOut() || (err instanceof UserError && err.kind === 'timeout') || err instanceof UCloudCancelledError) return err;
    const what = err instanceof Error ? err.message : String(err);
    const reason = this.#stop.signal.reason instanceof Error ? this.#stop.signal.reason.message : t('cli.timedOut');
    return new UserError('timeout', t('cli.stopped', { reason, error: what }), [t('cli.stoppedHint')]);
  }

  get out(): Writable {
    return this.streams.out;
  }

  /**
   * `-v` diagnostics on stderr; never used for secrets. They stay English in every language, as kubectl's klog lines
   * do: they are read next to kubectl's own -v output and pasted into bug reports.
   */
  debug(level: number, line: string): void {
    if (this.flags.verbosity >= level) this.streams.err.write(`I ${line}\n`);
  }

  warn(line: string): void {
    writeStyled(this.streams.err, [{ style: 'warn', text: t('common.warning') }, line, '\n']);
  }

  #explain(what: string, v: Sourced | undefined, secret = false): void {
    if (!v) this.debug(1, t('setup.explain.notSet', { what }));
    else if (secret) this.debug(1, t('setup.explain.secret', { what, source: describeSource(v.source) }));
    else this.debug(1, t('setup.explain.value', { what, value: redactUrl(v.value), source: describeSource(v.source) }));
  }

  /** The cluster UCloud acts on against the identity of the Kubernetes cluster being read (uk8sconfig, context). */
  async clusterIdentity(): Promise<IdentityVerdict> {
    const v = checkClusterIdentity(await this.config.clusterId(), await this.config.kubernetesIdentity());
    this.debug(1, v.kind === 'unknown' ? t('setup.explain.identityUnknown', { why: v.why }) : t('setup.explain.identity', { cluster: v.kubernetes.value, source: describeSource(v.kubernetes.source) }));
    return v;
  }

  /**
   * For commands whose answer is only right when the Kubernetes cluster is the UK8S cluster UCloud acts on (delete,
   * disable, patch, who-uses, …): throws on a mismatch (and on an unknown identity when the policy says so).
   */
  async requireSameCluster(policy: IdentityPolicy): Promise<void> {
    const warning = requireSameCluster(await this.clusterIdentity(), policy);
    if (warning) this.warn(t('cli.identityGoingAhead', { warning }));
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
      if (v === undefined) this.debug(1, t('setup.explain.identityLate'));
      else if (v.kind === 'different') this.warn(t('cli.identityActingOn', { mismatch: describeMismatch(v), clusterId: v.ucloud.value }));
    } catch (err) {
      // The command resolves the cluster ID itself and reports a failure there.
      this.debug(1, t('setup.explain.identityUnchecked', { error: err instanceof Error ? err.message : String(err) }));
    } finally {
      clearTimeout(timer);
    }
  }

  /** The text of a -f FILE argument; `-` reads standard input, as kubectl does. */
  async readInput(file: string): Promise<string> {
    if (file === '-') {
      const input = this.streams.input;
      if (!input) throw invalid(t('cli.noStdin'));
      const chunks: Buffer[] = [];
      for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
      return Buffer.concat(chunks).toString('utf8');
    }
    try {
      // Imported here: node:fs/promises brings readline and fs streams, ~15 internal modules every command would load.
      const { readFile } = await import('node:fs/promises');
      return await readFile(file, 'utf8');
    } catch (err) {
      throw invalid(t('cli.cannotRead', { file, reason: (err as NodeJS.ErrnoException).code === 'ENOENT' ? t('cli.noSuchFile') : (err as Error).message }));
    }
  }

  /** Hidden --read-failure-limit (tests shorten it): how long status reads may fail in a row while waiting. */
  readFailureLimitMs(): number | undefined {
    return this.flags.readFailureLimit ? parseDuration(this.flags.readFailureLimit) : undefined;
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
      this.#explain(t('setup.explain.clusterId'), clusterId);
      this.#explain(t('setup.explain.region'), region);
      this.#explain(t('setup.explain.projectId'), projectId);
      this.#explain(t('setup.explain.endpoint'), baseUrl);
      this.#explain(t('setup.explain.publicKey'), credentials.publicKey, true);
      this.#explain(t('setup.explain.privateKey'), credentials.privateKey, true);
      for (const line of noteLines(this.config.notes)) this.debug(1, line);
      // Loaded on first use: commands that never call UCloud (version, patch --image, …) skip the signing code.
      const [{ UCloudClient }, { AccelerationApi }] = await Promise.all([import('../lib/ucloud/client.ts'), import('../lib/ucloud/acceleration.ts')]);
      const client = new UCloudClient({
        baseUrl: baseUrl.value,
        region: region.value,
        projectId: projectId?.value,
        credentials: { publicKey: credentials.publicKey.value, privateKey: credentials.privateKey.value },
        userAgent: `kubectl-uimgacc/${PLUGIN_VERSION}`,
        timeoutMs: this.#apiTimeoutMs(),
        signal: this.#stop.signal,
        onRetry: (line) => this.warn(line),
        debug: (line) => this.debug(2, line),
      });
      return new AccelerationApi(client, clusterId.value);
    })();
    return this.#ucloud;
  }

  /**
   * How long one UCloud request may take: --request-timeout (as for Kubernetes), else UIMGACC_API_TIMEOUT, else 30 s
   * like UCloud's SDKs; for both, 0 means no limit and a bare number is seconds.
   */
  #apiTimeoutMs(): number {
    if (this.flags.requestTimeout !== undefined) return this.kube.requestTimeoutMs;
    const v = this.env['UIMGACC_API_TIMEOUT'];
    if (v === undefined || v.trim() === '') return 30_000;
    try {
      return parseRequestTimeout(v.trim());
    } catch {
      throw invalid(t('cli.invalidApiTimeout', { value: v }));
    }
  }
}
