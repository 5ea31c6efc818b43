/** What the frequent RetCodes mean for a user of this tool, and what to do about them. */
const ADVICE: Readonly<Record<number, string>> = {
  110: 'the UCloud API timed out; retry later',
  130: 'the UCloud gateway rejected the request; check the API endpoint and the key pair',
  150: 'the UCloud service is unavailable right now; retry later',
  153: 'rate limited by UCloud; wait a moment and retry',
  160: 'the request had no Action (a bug in kubectl-uimgacc; please report it)',
  161: 'this endpoint does not know the action; check --api-endpoint / UCLOUD_API_BASE_URL',
  170: 'the request was not signed (a bug in kubectl-uimgacc; please report it)',
  171: 'signature rejected: check that the public and private key belong together (UCLOUD_PUBLIC_KEY / UCLOUD_PRIVATE_KEY, the credentials Secret or the ucloud-cli profile)',
  172: 'no UCloud user has this public key: check the key pair',
  292: 'the project does not exist or the key has no access to it: check the project ID (--project-id / UCLOUD_PROJECT_ID)',
  294: 'this IP is not allowed to call the API with this key: add it to the key\'s IP whitelist (from inside a UCloud VPC the internal endpoint is seen as 10.10.10.10)',
  299: 'the key lacks permission: grant it UK8S access in UCloud IAM',
};

export function adviceFor(retCode: number): string | undefined {
  return ADVICE[retCode];
}

/** The API answered and said no (RetCode ≠ 0). */
export class UCloudApiError extends Error {
  readonly action: string;
  readonly retCode: number;
  readonly apiMessage: string;
  readonly requestId: string | undefined;
  readonly advice: string | undefined;

  constructor(action: string, retCode: number, apiMessage: string, requestId: string | undefined) {
    const advice = adviceFor(retCode);
    super(
      `UCloud API ${action} failed: RetCode ${retCode}: ${apiMessage || '(no message)'}` +
        (requestId ? ` (request id ${requestId})` : '') +
        (advice ? `\nhint: ${advice}` : ''),
    );
    this.name = 'UCloudApiError';
    this.action = action;
    this.retCode = retCode;
    this.apiMessage = apiMessage;
    this.requestId = requestId;
    this.advice = advice;
  }
}

/**
 * No usable answer: network failure, timeout, HTTP error or a body that is not a UCloud response.
 * `ambiguous` means the request may have reached UCloud and taken effect: a mutating action must re-read the status
 * instead of being sent again.
 */
export class UCloudTransportError extends Error {
  readonly action: string;
  readonly requestId: string | undefined;
  readonly httpStatus: number | undefined;
  readonly ambiguous: boolean;

  constructor(
    action: string,
    detail: string,
    opts: { requestId?: string | undefined; httpStatus?: number | undefined; ambiguous: boolean },
  ) {
    super(`UCloud API ${action} failed: ${detail}` + (opts.requestId ? ` (request id ${opts.requestId})` : ''));
    this.name = 'UCloudTransportError';
    this.action = action;
    this.requestId = opts.requestId;
    this.httpStatus = opts.httpStatus;
    this.ambiguous = opts.ambiguous;
  }
}

/**
 * The caller stopped waiting for a call (the command's --timeout ran out, or it was interrupted) before UCloud answered.
 * For a mutating action that was sent, nobody knows whether it took effect: the message says so, and the status must
 * be checked before trying again.
 */
export class UCloudCancelledError extends Error {
  readonly action: string;
  readonly mutating: boolean;
  readonly sent: boolean;

  constructor(action: string, opts: { mutating: boolean; sent: boolean; reason: unknown }) {
    const why = opts.reason instanceof Error ? opts.reason.message : 'cancelled';
    const outcome = !opts.sent
      ? 'it was not sent'
      : opts.mutating
        ? 'the request may have been accepted: check `kubectl uimgacc status` before retrying'
        : 'no answer in time';
    super(`${why}: UCloud API ${action} abandoned; ${outcome}`);
    this.name = 'UCloudCancelledError';
    this.action = action;
    this.mutating = opts.mutating;
    this.sent = opts.sent;
  }
}

/** A URL with its password replaced, for messages and logs (`https://user:***@host`). Unparseable text is masked too. */
export function redactUrl(text: string): string {
  return text.replace(/(\/\/[^/@:\s]*):[^@/\s]*@/g, '$1:***@');
}
