import { tEnglish } from '../i18n/index.ts';
/** Reads a Kubernetes `Status` out of client-node's ApiException (whose `body` is the raw response text). */
export interface KubeStatus {
  readonly code: number;
  readonly reason: string | undefined;
  readonly message: string | undefined;
}

const REASON_BY_CODE: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export function kubeStatusOf(err: unknown): KubeStatus | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; body?: unknown };
  if (typeof e.code !== 'number' || !('body' in e)) return undefined;
  let body: unknown = e.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      body = undefined;
    }
  }
  const status = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  return {
    code: e.code,
    reason: typeof status['reason'] === 'string' && status['reason'] !== '' ? status['reason'] : REASON_BY_CODE[e.code],
    message: typeof status['message'] === 'string' ? status['message'] : undefined,
  };
}

export function isNotFound(err: unknown): boolean {
  return kubeStatusOf(err)?.code === 404;
}

export function isConflict(err: unknown): boolean {
  return kubeStatusOf(err)?.code === 409;
}

export function isForbidden(err: unknown): boolean {
  const code = kubeStatusOf(err)?.code;
  return code === 403 || code === 401;
}

function causeCode(err: unknown): { code: string | undefined; message: string; at: unknown } {
  let cur: unknown = err;
  for (let i = 0; i < 5 && cur; i++) {
    const c = cur as { code?: unknown; cause?: unknown };
    if (typeof c.code === 'string') return { code: c.code, message: (cur as Error).message, at: cur };
    cur = c.cause;
  }
  return { code: undefined, message: err instanceof Error ? err.message : String(err), at: err };
}

/** How a message is put into words: tEnglish (the default) or t (the user's language). */
export type Say = typeof tEnglish;

/**
 * An API or connection error worded as kubectl words it; never a raw client-node exception. What the server or the
 * connection said is shown as it comes. English by default, because the text also lands in `-o json|yaml` output
 * (the in-use scan's `unseen` reasons, doctor's checks), which never changes with the language; a human view passes
 * `t` for the user's language.
 */
export function describeKubeError(err: unknown, server?: string, say: Say = tEnglish): string {
  const status = kubeStatusOf(err);
  if (status) {
    const message = status.message ?? say('cli.kube.httpStatus', { code: status.code });
    return say('cli.kube.fromServer', { reason: status.reason ?? 'Unknown', message });
  }
  const { code, message, at } = causeCode(err);
  const carried = typeof err === 'object' && err !== null && typeof (err as { server?: unknown }).server === 'string' ? (err as { server: string }).server : undefined;
  const known = server ?? carried;
  // kubectl names the server (host:port); when it is not known, the sentence must still read right.
  const host = known ? known.replace(/^https?:\/\//, '').replace(/\/+$/, '') : undefined;
  const unable = (reason: string): string => (host ? say('cli.kube.unableAt', { host, reason }) : say('cli.kube.unable', { reason }));
  if (code === 'ECONNREFUSED') return host ? say('cli.kube.refused', { host }) : say('cli.kube.refusedNoHost');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return host ? say('cli.kube.noSuchHost', { host }) : say('cli.kube.noSuchHostUnknown');
  if (code === 'UND_ERR_REQUEST_TIMEOUT') {
    // Our RequestTimeoutError (lib/kube/access.ts) carries its limit, to be worded in the language asked for.
    const ms = (at as { ms?: unknown }).ms;
    return unable(typeof ms === 'number' ? say('cli.kube.requestTimeout', { seconds: ms / 1000 }) : message);
  }
  if (code && code.startsWith('UND_ERR_') && code.includes('TIMEOUT')) return unable(say('cli.kube.timeout'));
  if (err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError')) return unable(say('cli.kube.requestTimedOut'));
  if (err instanceof TypeError && err.message === 'fetch failed' && err.cause instanceof Error) {
    return unable(err.cause.message);
  }
  return unable(message);
}

/** True when the thing raised came from talking to Kubernetes (so cmd/ can word it like kubectl). */
export function isKubeError(err: unknown): boolean {
  if (kubeStatusOf(err)) return true;
  // undici (client-node's HTTP client) reports every connection failure as TypeError('fetch failed', { cause }).
  if (err instanceof TypeError && err.message === 'fetch failed') return true;
  const { code } = causeCode(err);
  return code !== undefined && (code.startsWith('E') || code.startsWith('UND_ERR_'));
}
