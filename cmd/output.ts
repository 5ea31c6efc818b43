import * as yaml from 'js-yaml';
import { invalid } from '../lib/errors.ts';
import { t } from '../lib/i18n/index.ts';

export const OUTPUT_FORMATS = ['json', 'yaml', 'wide', 'name'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number] | 'table';

/** kubectl's `-o`: empty means the human table; an unknown format lists the allowed ones. */
export function parseOutputFormat(value: string | undefined, allowed: readonly OutputFormat[] = OUTPUT_FORMATS): OutputFormat {
  if (value === undefined || value === '') return 'table';
  if ((allowed as readonly string[]).includes(value)) return value as OutputFormat;
  const formats = allowed.filter((f) => f !== 'table').join(t('common.listSeparator'));
  throw invalid(t('cli.unknownOutputFormat', { format: value, formats }));
}

export interface Sink {
  write(chunk: string): unknown;
}

export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

export function renderYaml(value: unknown): string {
  return yaml.dump(value, { noRefs: true, lineWidth: -1, skipInvalid: true });
}

/** Writes machine output for json/yaml; returns false for the human formats so the caller prints its own. */
export function printMachine(out: Sink, format: OutputFormat, value: unknown): boolean {
  if (format === 'json') out.write(renderJson(value));
  else if (format === 'yaml') out.write(renderYaml(value));
  else return false;
  return true;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function humanBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes <= 0) return bytes === 0 ? '0B' : '-';
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)}${UNITS[i]}`;
}
