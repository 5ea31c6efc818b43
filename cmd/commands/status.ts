import { setTimeout as delay } from 'node:timers/promises';
import type { Argv } from 'yargs';
import { AGENT_NOT_READY, type AccelerationState } from '../../lib/ucloud/acceleration.ts';
import { bool, str, type Args } from '../args.ts';
import type { Context } from '../context.ts';
import { safeField } from '../safe-text.ts';
import { parseOutputFormat, printMachine, type OutputFormat } from '../output.ts';
import { imagesTable, imageView, imagesUnknownReason, statusView } from '../views.ts';

export function builder(y: Argv): Argv {
  return y
    .option('output', { alias: 'o', type: 'string', describe: 'Output format: json|yaml|wide' })
    .option('watch', { alias: 'w', type: 'boolean', describe: 'Keep polling and print the status whenever it changes (Ctrl-C to stop)' })
    .example('$0 status', 'Summary of the current cluster')
    .example('$0 status -o json', 'Machine-readable status');
}

export interface StatusOptions {
  readonly output: OutputFormat;
  readonly watch: boolean;
}

export function validate(args: Args): StatusOptions {
  return { output: parseOutputFormat(str(args, 'output'), ['table', 'json', 'yaml', 'wide']), watch: bool(args, 'watch') };
}

function yesNo(v: boolean, yes = 'yes', no = 'no'): string {
  return v ? yes : no;
}

export function renderStatus(state: AccelerationState, wide: boolean): string {
  const rows: [string, string][] = [
    ['Cluster:', state.clusterId],
    ['Enabled:', yesNo(state.enabled)],
  ];
  if (state.enabled) {
    rows.push(['NFS:', `${yesNo(state.nfsReady, 'ready', 'not ready')}${state.nfsAddr ? ` (${state.nfsAddr}${state.subnetId ? `, subnet ${state.subnetId}` : ''})` : ''}`]);
    rows.push(['Agent:', yesNo(state.agentReady, 'ready', AGENT_NOT_READY)]);
  }
  rows.push(['Status:', state.status]);
  if (state.error) rows.push(['Error:', state.error]);
  const reason = imagesUnknownReason(state);
  rows.push(['Images:', reason && state.enabled ? `unknown: ${reason}` : String(state.images.length)]);
  let text = rows.map(([k, v]) => `${k.padEnd(10)}${safeField(v)}`).join('\n') + '\n';
  if (state.images.length > 0) text += '\n' + imagesTable(state.images.map((img) => imageView(state, img)), wide);
  return text;
}

export async function run(o: StatusOptions, ctx: Context): Promise<number> {
  const api = await ctx.ucloud();
  await ctx.warnIfOtherCluster();
  const print = (state: AccelerationState): void => {
    if (!printMachine(ctx.out, o.output, statusView(state))) ctx.out.write(renderStatus(state, o.output === 'wide'));
  };
  if (!o.watch) {
    print(await api.get());
    return 0;
  }
  let last = '';
  for (;;) {
    const state = await api.get();
    const key = JSON.stringify(state);
    if (key !== last) {
      if (last !== '' && (o.output === 'table' || o.output === 'wide')) ctx.out.write('\n');
      print(state);
    }
    last = key;
    await delay(ctx.pollIntervalMs());
  }
}
