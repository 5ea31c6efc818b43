import { invalid } from '../lib/errors.ts';
import { parseDuration } from '../lib/duration.ts';
import type { WaitOptions } from '../lib/operations.ts';
import { t } from '../lib/i18n/index.ts';

/** Parsed yargs arguments before validation; validators narrow them into typed options objects. */
export type Args = Readonly<Record<string, unknown>>;

/** Flags whose bare form means something (kubectl's NoOptDefVal): `--dry-run` is client, `-v` is level 1. */
const BARE_ALLOWED = new Set(['dry-run', 'v']);

/** Positionals are upper case (ORIGINAL, IMAGE, TARGET); flags are not. */
function isFlag(key: string): boolean {
  return key !== key.toUpperCase();
}

/**
 * A string flag's value. yargs turns `--no-region` into false and a flag with no value into "": kubectl (pflag) knows
 * neither, and taking "false" or "" as a value would silently do something else than asked, so both are errors.
 */
function checked(key: string, v: unknown): string {
  if (v === false && isFlag(key)) throw invalid(t('cli.flagNotNegatable', { flag: key }));
  const text = String(v);
  if (text === '' && isFlag(key) && !BARE_ALLOWED.has(key)) throw invalid(t('cli.flagNeedsArgument', { flag: key }));
  return text;
}

export function str(args: Args, key: string): string | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.length ? checked(key, v[v.length - 1]) : undefined;
  return checked(key, v);
}

export function strings(args: Args, key: string): string[] {
  const v = args[key];
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((item: unknown) => checked(key, item));
}

export function bool(args: Args, key: string): boolean {
  return args[key] === true;
}

export const DRY_RUN_VALUES = ['none', 'client', 'server'] as const;
export type DryRun = (typeof DRY_RUN_VALUES)[number];

/** kubectl's --dry-run: a bare flag means "client". */
export function parseDryRun(value: string | undefined, serverSupported: boolean): DryRun {
  if (value === undefined || value === 'none' || value === 'false') return 'none';
  if (value === '' || value === 'true' || value === 'client') return 'client';
  if (value === 'server') {
    if (!serverSupported) {
      throw invalid(t('cli.dryRunServerImpossible'));
    }
    return 'server';
  }
  throw invalid(t('cli.dryRunInvalid', { value }));
}

export interface WaitSettings {
  readonly timeoutMs: number;
  /** When the whole command must be done (epoch ms); set by withDeadline() when the command starts. */
  readonly deadline?: number | undefined;
}

/** Starts the --timeout clock: queueing, the operation and every image of the command share it. */
export function withDeadline(settings: WaitSettings | undefined, now = Date.now()): WaitSettings | undefined {
  if (!settings) return undefined;
  return { ...settings, deadline: settings.timeoutMs > 0 ? now + settings.timeoutMs : undefined };
}

/** --wait/--no-wait and --timeout; undefined means do not wait. */
export function parseWait(args: Args, defaultTimeout: string): WaitSettings | undefined {
  const timeout = str(args, 'timeout') ?? defaultTimeout;
  let timeoutMs: number;
  try {
    timeoutMs = parseDuration(timeout);
  } catch (err) {
    throw invalid(t('cli.invalidTimeout', { reason: (err as Error).message }));
  }
  return args['wait'] === false ? undefined : { timeoutMs };
}

export function waitOptions(settings: WaitSettings, pollIntervalMs: number, onProgress: WaitOptions['onProgress'], maxReadFailureMs?: number): WaitOptions {
  return { timeoutMs: settings.timeoutMs, deadline: settings.deadline, pollIntervalMs, onProgress, maxReadFailureMs };
}
