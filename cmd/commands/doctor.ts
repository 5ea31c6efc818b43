import type { Argv } from 'yargs';
import { runDoctor, type Check } from '../../lib/doctor.ts';
import { str, type Args } from '../args.ts';
import type { Context } from '../context.ts';
import { parseOutputFormat, printMachine, type OutputFormat } from '../output.ts';
import { API_VERSION } from '../views.ts';

export function builder(y: Argv): Argv {
  return y.option('output', { alias: 'o', type: 'string', describe: 'Output format: json|yaml' });
}

export interface DoctorOptions {
  readonly output: OutputFormat;
}

export function validate(args: Args): DoctorOptions {
  return { output: parseOutputFormat(str(args, 'output'), ['table', 'json', 'yaml']) };
}

const MARK: Record<Check['status'], string> = { ok: '✓', warn: '!', fail: '✗' };

export async function run(o: DoctorOptions, ctx: Context): Promise<number> {
  const checks = await runDoctor({ kube: ctx.kube, config: ctx.config, ucloud: () => ctx.ucloud() });
  const failed = checks.some((c) => c.status === 'fail');
  if (!printMachine(ctx.out, o.output, { apiVersion: API_VERSION, kind: 'DoctorReport', healthy: !failed, checks })) {
    for (const c of checks) {
      ctx.out.write(`${MARK[c.status]} ${c.name}: ${c.detail}\n`);
      if (c.fix && c.status !== 'ok') ctx.out.write(`    fix: ${c.fix}\n`);
    }
  }
  return failed ? 1 : 0;
}
