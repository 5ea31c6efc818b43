import type { Argv } from 'yargs';
import { runDoctor, type Check } from '../../lib/doctor.ts';
import { t, useLanguage } from '../../lib/i18n/index.ts';
import { str, type Args } from '../args.ts';
import type { Context } from '../context.ts';
import type { Style } from '../colour.ts';
import { parseOutputFormat, printMachine, type OutputFormat } from '../output.ts';
import { writeStyled } from '../safe-text.ts';
import { API_VERSION } from '../views.ts';

export function builder(y: Argv): Argv {
  return y.option('output', { alias: 'o', type: 'string', describe: t('setup.doctor.output') });
}

export interface DoctorOptions {
  readonly output: OutputFormat;
}

export function validate(args: Args): DoctorOptions {
  return { output: parseOutputFormat(str(args, 'output'), ['table', 'json', 'yaml']) };
}

/** The mark carries the meaning; its colour (the style of the same name) only repeats it. */
const MARK: Record<Check['status'], string> = { ok: '✓', warn: '!', fail: '✗' };

export async function run(o: DoctorOptions, ctx: Context): Promise<number> {
  // A DoctorReport is read by scripts: it is the same in every language. Its details quote errors from every part of
  // the plugin, worded when they are raised, so the checks themselves run in English.
  if (o.output !== 'table') await useLanguage('en');
  const checks = await runDoctor({ kube: ctx.kube, config: ctx.config, ucloud: () => ctx.ucloud() });
  const failed = checks.some((c) => c.status === 'fail');
  if (!printMachine(ctx.out, o.output, { apiVersion: API_VERSION, kind: 'DoctorReport', healthy: !failed, checks })) {
    for (const c of checks) {
      writeStyled(ctx.out, [{ style: c.status satisfies Style, text: MARK[c.status] }, ` ${t('setup.doctor.line', { name: c.name, detail: c.detail })}\n`]);
      if (c.fix && c.status !== 'ok') ctx.out.write(`${t('setup.doctor.fix', { fix: c.fix })}\n`);
    }
  }
  return failed ? 1 : 0;
}
