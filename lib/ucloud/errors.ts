import { t, tEnglish, type MessageKey } from '../i18n/index.ts';

/** t or tEnglish: a message is rendered once in the user's language (`message`) and once in English (`englishMessage`). */
export type Translate = typeof t;
/** A message not yet put into words: rendered when thrown, in the language chosen at run time. */
export type Render = (tr: Translate) => string;

type AdviceKey = Extract<MessageKey, `ucloud.advice${number}`>;

/** What the frequent RetCodes mean for a user of this tool, and what to do about them. */
const ADVICE: Readonly<Record<number, AdviceKey>> = {
  110: 'ucloud.advice110',
  130: 'ucloud.advice130',
  150: 'ucloud.advice150',
  153: 'ucloud.advice153',
  160: 'ucloud.advice160',
  161: 'ucloud.advice161',
  170: 'ucloud.advice170',
  171: 'ucloud.advice171',
  172: 'ucloud.advice172',
  292: 'ucloud.advice292',
  294: 'ucloud.advice294',
  299: 'ucloud.advice299',
};

/** The advice for a RetCode in the user's language (`tr` = tEnglish for English), if we have any. */
export function adviceFor(retCode: number, tr: Translate = t): string | undefined {
  const key = ADVICE[retCode];
  return key === undefined ? undefined : tr(key);
}

function withRequestId(tr: Translate, text: string, requestId: string | undefined): string {
  return requestId ? tr('ucloud.withRequestId', { text, requestId }) : text;
}

/**
 * The API answered and said no (RetCode ≠ 0). `message` is in the user's language around UCloud's own Message, which
 * is shown as it comes; `englishMessage` is the same in English, for logs and machine-readable output.
 */
export class UCloudApiError extends Error {
  readonly action: string;
  readonly retCode: number;
  readonly apiMessage: string;
  readonly requestId: string | undefined;
  /** In the user's language. */
  readonly advice: string | undefined;
  readonly englishMessage: string;

  constructor(action: string, retCode: number, apiMessage: string, requestId: string | undefined) {
    const render = (tr: Translate): string => {
      const advice = adviceFor(retCode, tr);
      const failed = tr('ucloud.apiFailed', { action, retCode, message: apiMessage || tr('ucloud.noMessage') });
      return withRequestId(tr, failed, requestId) + (advice ? `\n${tr('ucloud.hint', { advice })}` : '');
    };
    super(render(t));
    this.name = 'UCloudApiError';
    this.action = action;
    this.retCode = retCode;
    this.apiMessage = apiMessage;
    this.requestId = requestId;
    this.advice = adviceFor(retCode);
    this.englishMessage = render(tEnglish);
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
  readonly englishMessage: string;

  /** `detail` says what went wrong (a Render, or text that needs no translation such as `HTTP 503 Service Unavailable`). */
  constructor(
    action: string,
    detail: Render | string,
    opts: { requestId?: string | undefined; httpStatus?: number | undefined; ambiguous: boolean },
  ) {
    const render = (tr: Translate): string =>
      withRequestId(tr, tr('ucloud.transportFailed', { action, detail: typeof detail === 'string' ? detail : detail(tr) }), opts.requestId);
    super(render(t));
    this.name = 'UCloudTransportError';
    this.action = action;
    this.requestId = opts.requestId;
    this.httpStatus = opts.httpStatus;
    this.ambiguous = opts.ambiguous;
    this.englishMessage = render(tEnglish);
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
  readonly englishMessage: string;

  constructor(action: string, opts: { mutating: boolean; sent: boolean; reason: unknown }) {
    // The reason is the caller's own text (already in the user's language), the same in both renderings.
    const render = (tr: Translate): string => {
      const why = opts.reason instanceof Error ? opts.reason.message : tr('ucloud.cancelled');
      if (!opts.sent) return tr('ucloud.abandonedUnsent', { why, action });
      return opts.mutating ? tr('ucloud.abandonedMaybeAccepted', { why, action }) : tr('ucloud.abandonedNoAnswer', { why, action });
    };
    super(render(t));
    this.name = 'UCloudCancelledError';
    this.action = action;
    this.mutating = opts.mutating;
    this.sent = opts.sent;
    this.englishMessage = render(tEnglish);
  }
}

/** A URL with its password replaced, for messages and logs (`https://user:***@host`). Unparseable text is masked too. */
export function redactUrl(text: string): string {
  return text.replace(/(\/\/[^/@:\s]*):[^@/\s]*@/g, '$1:***@');
}
