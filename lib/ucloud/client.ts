import { setTimeout as delay } from 'node:timers/promises';
import { flattenParams, signParams, type FlatParams, type ParamValue } from './signature.ts';
import { UCloudApiError, UCloudCancelledError, UCloudTransportError, type Render } from './errors.ts';
import { t } from '../i18n/index.ts';
import { httpTransport, type Transport, type TransportResponse } from './transport.ts';

export { redactUrl } from './errors.ts';

import { DEFAULT_API_BASE_URL } from './endpoints.ts';

export { DEFAULT_API_BASE_URL, INTERNAL_API_BASE_URL } from './endpoints.ts';

export interface UCloudCredentials {
  readonly publicKey: string;
  readonly privateKey: string;
}

export interface UCloudClientOptions {
  readonly baseUrl?: string | undefined;
  readonly credentials: UCloudCredentials;
  readonly region?: string | undefined;
  readonly projectId?: string | undefined;
  /** Per attempt; 0 = no limit. The official SDKs use 30 s. */
  readonly timeoutMs?: number | undefined;
  /**
   * The caller's own end (the command's --timeout, an interrupt): every attempt and every backoff stops when it fires,
   * and the call fails with UCloudCancelledError naming `signal.reason`.
   */
  readonly signal?: AbortSignal | undefined;
  /** Told before a read is tried again, so that a slow or failing endpoint is never silent. */
  readonly onRetry?: ((line: string) => void) | undefined;
  /** Extra attempts for retryable calls (Get*). */
  readonly maxRetries?: number | undefined;
  readonly backoffBaseMs?: number | undefined;
  readonly backoffMaxMs?: number | undefined;
  readonly userAgent?: string | undefined;
  /** Receives one line per attempt for `-v`; secrets are already redacted. */
  readonly debug?: ((line: string) => void) | undefined;
  /** Sends one request (default: httpTransport, HTTP/1.1 over node:net/node:tls; fetch fits too). */
  readonly fetch?: Transport | undefined;
}

export interface CallOptions {
  /** Safe to send again: only reads. Mutating actions are never retried blindly. */
  readonly retryable: boolean;
  /** Parameter names whose values are secrets (e.g. UHubPassword): never logged, scrubbed from errors. */
  readonly secretParams?: readonly string[];
}

/** A successful response body: RetCode already checked to be 0. */
export type UCloudResponse = Readonly<Record<string, unknown>>;

const REQUEST_ID_HEADER = 'x-ucloud-request-uuid';
const RETRYABLE_HTTP = new Set([429, 500, 502, 503, 504]);
// Connection never established: the request certainly did not reach UCloud.
const UNSENT_ERROR_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'CERT_HAS_EXPIRED', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'ERR_TLS_CERT_ALTNAME_INVALID']);

/** RetCode may arrive as a number or a numeric string; anything else is not a UCloud response. */
export function parseRetCode(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

interface AttemptFailure {
  readonly error: UCloudApiError | UCloudTransportError;
  readonly retryable: boolean;
}

export class UCloudClient {
  /** The endpoint without credentials: what is fetched, and what messages show (with the user name, never a password). */
  readonly baseUrl: string;
  readonly #shownUrl: string;
  readonly #basicAuth: string | undefined;
  readonly #userinfoPassword: string | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #onRetry: ((line: string) => void) | undefined;
  readonly region: string | undefined;
  readonly projectId: string | undefined;
  readonly #credentials: UCloudCredentials;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;
  readonly #backoffBaseMs: number;
  readonly #backoffMaxMs: number;
  readonly #userAgent: string;
  readonly #debug: ((line: string) => void) | undefined;
  readonly #fetch: Transport;

  constructor(options: UCloudClientOptions) {
    const url = new URL(options.baseUrl ?? DEFAULT_API_BASE_URL);
    // fetch refuses URLs with credentials; a gateway that wants them gets them as Basic authentication instead.
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    this.#basicAuth = user || password ? Buffer.from(`${user}:${password}`).toString('base64') : undefined;
    this.#userinfoPassword = password || undefined;
    url.username = '';
    url.password = '';
    this.baseUrl = url.toString().replace(/\/+$/, '');
    this.#shownUrl = user ? this.baseUrl.replace('//', `//${encodeURIComponent(user)}${password ? ':***' : ''}@`) : this.baseUrl;
    this.#signal = options.signal;
    this.#onRetry = options.onRetry;
    this.region = options.region || undefined;
    this.projectId = options.projectId || undefined;
    this.#credentials = options.credentials;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#maxRetries = options.maxRetries ?? 3;
    this.#backoffBaseMs = options.backoffBaseMs ?? 500;
    this.#backoffMaxMs = options.backoffMaxMs ?? 8_000;
    this.#userAgent = options.userAgent ?? 'kubectl-uimgacc';
    this.#debug = options.debug;
    this.#fetch = options.fetch ?? httpTransport;
  }

  /** Sends one action. Throws UCloudApiError (RetCode ≠ 0) or UCloudTransportError; messages never hold secrets. */
  async call(action: string, params: Readonly<Record<string, ParamValue>>, options: CallOptions): Promise<UCloudResponse> {
    const secretNames = new Set(options.secretParams ?? []);
    const flat = flattenParams({ Region: this.region, ProjectId: this.projectId, ...params, Action: action });
    const secrets = [this.#credentials.privateKey, ...(this.#userinfoPassword ? [this.#userinfoPassword] : []), ...Object.entries(flat).filter(([k]) => secretNames.has(k)).map(([, v]) => v)];
    const attempts = options.retryable ? this.#maxRetries + 1 : 1;
    const mutating = !options.retryable;
    let last: AttemptFailure | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (this.#signal?.aborted) throw new UCloudCancelledError(action, { mutating, sent: false, reason: this.#signal.reason });
      if (attempt > 1) {
        // Full jitter keeps many clients from retrying in lockstep. It needs no cryptographic randomness, and
        // node:crypto's randomInt would load node:crypto into every `status` against an http:// endpoint.
        const cap = Math.min(this.#backoffMaxMs, this.#backoffBaseMs * 2 ** (attempt - 2));
        const wait = Math.floor(Math.random() * (Math.max(1, Math.floor(cap)) + 1));
        this.#log(`${action}: retrying in ${wait}ms (attempt ${attempt}/${attempts})`);
        this.#onRetry?.(t('ucloud.retrying', { error: last?.error.message ?? action, attempt, attempts }));
        try {
          await delay(wait, undefined, { signal: this.#signal });
        } catch {
          throw new UCloudCancelledError(action, { mutating, sent: false, reason: this.#signal?.reason });
        }
      }
      const outcome = await this.#attempt(action, flat, secretNames, secrets, attempt, mutating);
      if (!('error' in outcome)) return outcome.body;
      last = outcome;
      if (!outcome.retryable) break;
    }
    // `last` is always set here: the loop runs at least once and only returns on success.
    throw (last as AttemptFailure).error;
  }

  async #attempt(
    action: string,
    flat: FlatParams,
    secretNames: ReadonlySet<string>,
    secrets: readonly string[],
    attempt: number,
    mutating: boolean,
  ): Promise<{ body: UCloudResponse } | AttemptFailure> {
    const signed = signParams(flat, this.#credentials.publicKey, this.#credentials.privateKey);
    this.#log(`POST ${this.#shownUrl} ${describeParams(flat, secretNames)} (attempt ${attempt})`);
    const started = Date.now();
    const signals = [...(this.#timeoutMs > 0 ? [AbortSignal.timeout(this.#timeoutMs)] : []), ...(this.#signal ? [this.#signal] : [])];
    const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': this.#userAgent };
    if (this.#basicAuth) headers['Authorization'] = `Basic ${this.#basicAuth}`;
    let response: TransportResponse;
    let text: string;
    try {
      response = await this.#fetch(this.baseUrl, {
        method: 'POST',
        headers,
        body: new URLSearchParams(signed).toString(),
        // No limit at all (0 and no --timeout): a signal that never fires.
        signal: signals.length ? AbortSignal.any(signals) : new AbortController().signal,
      });
      text = await response.text();
    } catch (err) {
      if (this.#signal?.aborted) {
        this.#log(`${action}: abandoned after ${Date.now() - started}ms`);
        throw new UCloudCancelledError(action, { mutating, sent: true, reason: this.#signal.reason });
      }
      const { log, detail, unsent } = describeFetchError(err, this.#timeoutMs, redact(this.#shownUrl, secrets), secrets);
      this.#log(`${action}: ${log} after ${Date.now() - started}ms`);
      return {
        error: new UCloudTransportError(action, detail, { ambiguous: !unsent }),
        retryable: true,
      };
    }
    const requestId = response.headers.get(REQUEST_ID_HEADER) ?? undefined;
    this.#log(`${action}: HTTP ${response.status} in ${Date.now() - started}ms request id ${requestId ?? '(none)'}`);
    if (!response.ok) {
      return {
        error: new UCloudTransportError(action, `HTTP ${response.status} ${response.statusText}`.trim(), {
          requestId,
          httpStatus: response.status,
          // A 4xx other than 429 was rejected before processing; 5xx may or may not have been applied.
          ambiguous: response.status >= 500,
        }),
        retryable: RETRYABLE_HTTP.has(response.status),
      };
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return {
        error: new UCloudTransportError(action, (tr) => tr('ucloud.notJson', { status: response.status, bytes: text.length }), {
          requestId,
          httpStatus: response.status,
          ambiguous: true,
        }),
        retryable: true,
      };
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return {
        error: new UCloudTransportError(action, (tr) => tr('ucloud.notObject'), { requestId, ambiguous: true }),
        retryable: true,
      };
    }
    const record = body as Record<string, unknown>;
    const retCode = parseRetCode(record['RetCode']);
    if (retCode === undefined) {
      return {
        error: new UCloudTransportError(action, (tr) => tr('ucloud.noRetCode'), { requestId, ambiguous: true }),
        retryable: true,
      };
    }
    if (retCode !== 0) {
      const message = typeof record['Message'] === 'string' ? record['Message'] : '';
      return {
        error: new UCloudApiError(action, retCode, redact(message, secrets), requestId),
        retryable: retCode >= 2000,
      };
    }
    return { body: record };
  }

  #log(line: string): void {
    this.#debug?.(line);
  }
}

function describeParams(flat: FlatParams, secretNames: ReadonlySet<string>): string {
  return Object.entries(flat)
    .map(([k, v]) => `${k}=${secretNames.has(k) ? '<redacted>' : v}`)
    .join(' ');
}

/**
 * What went wrong with the request: a line for the `-v` log (English, as kubectl's), the error's detail naming the
 * endpoint `url`, and whether the request certainly never reached UCloud. The system's own error text (ECONNREFUSED…)
 * is shown as it comes, scrubbed of secrets.
 */
function describeFetchError(err: unknown, timeoutMs: number, url: string, secrets: readonly string[]): { log: string; detail: Render; unsent: boolean } {
  if (err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    const seconds = timeoutMs / 1000;
    return { log: `no answer within ${seconds}s`, detail: (tr) => tr('ucloud.noAnswerWithin', { seconds, url }), unsent: false };
  }
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const message = redact(typeof cause?.message === 'string' ? cause.message : err instanceof Error ? err.message : String(err), secrets);
  return { log: `network error: ${message}`, detail: (tr) => tr('ucloud.networkError', { message, url }), unsent: code !== undefined && UNSENT_ERROR_CODES.has(code) };
}

/** Defence in depth: an API message or a network error must never carry a secret to the user's terminal. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('<redacted>');
  }
  return out;
}
