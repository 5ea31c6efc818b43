import { setTimeout as delay } from 'node:timers/promises';
import type { Argv } from 'yargs';
import stringWidth from 'string-width';
import { t } from '../../lib/i18n/index.ts';
import { agentNotReady, type AccelerationState } from '../../lib/ucloud/acceleration.ts';
import { bool, str, type Args } from '../args.ts';
import { statusStyle, type Style, type StyledText } from '../colour.ts';
import type { Context } from '../context.ts';
import { safeField, writeStyled } from '../safe-text.ts';
import { parseOutputFormat, printMachine, type OutputFormat } from '../output.ts';
import { imagesTable, imageView, imagesUnknownReason, statusView } from '../views.ts';

export function builder(y: Argv): Argv {
  return y
    .option('output', { alias: 'o', type: 'string', describe: t('view.status.output') })
    .option('watch', { alias: 'w', type: 'boolean', describe: t('view.status.watch') })
    .example('$0 status', t('view.status.exampleSummary'))
    .example('$0 status -o json', t('view.status.exampleJson'));
}

export interface StatusOptions {
  readonly output: OutputFormat;
  readonly watch: boolean;
}

export function validate(args: Args): StatusOptions {
  return { output: parseOutputFormat(str(args, 'output'), ['table', 'json', 'yaml', 'wide']), watch: bool(args, 'watch') };
}

/** The labels of the summary, in the order printed; their values line up by display width (a CJK character is two columns). */
const LABELS = ['view.status.cluster', 'view.status.enabled', 'view.status.nfs', 'view.status.agent', 'view.status.status', 'view.status.error', 'view.status.images'] as const;
type Label = (typeof LABELS)[number];

/** A styled word where a message has its placeholder: `{state} ({address})` with the state coloured, the rest plain. */
function styledIn(message: (marker: string) => string, style: Style | undefined, word: string): StyledText {
  const [before = '', after = ''] = message('\u0000').split('\u0000');
  return [before, style ? { style, text: word } : word, after];
}

function nfsValue(state: AccelerationState): StyledText {
  const word = state.nfsReady ? t('view.status.ready') : t('view.status.notReady');
  const style = state.nfsReady ? 'ok' : 'fail';
  if (state.nfsAddr === undefined) return [{ style, text: word }];
  // Escaped before formatting, so the marker styledIn splits on can only be the one it put there.
  const address = safeField(state.nfsAddr);
  const subnet = state.subnetId === undefined ? undefined : safeField(state.subnetId);
  return styledIn((s) => (subnet === undefined ? t('view.status.nfsAddress', { state: s, address }) : t('view.status.nfsAddressSubnet', { state: s, address, subnet })), style, word);
}

/**
 * The human summary, in the user's language, with the words that tell whether things are fine styled (coloured on a
 * terminal; each is a word too): enabled, NFS and agent ready, the status, the error.
 */
export function renderStatus(state: AccelerationState, wide: boolean): StyledText {
  const rows: [Label, StyledText][] = [
    ['view.status.cluster', [state.clusterId]],
    ['view.status.enabled', [state.enabled ? { style: 'ok', text: t('view.status.yes') } : { style: 'warn', text: t('view.status.no') }]],
  ];
  if (state.enabled) {
    rows.push(['view.status.nfs', nfsValue(state)]);
    rows.push(['view.status.agent', [state.agentReady ? { style: 'ok', text: t('view.status.ready') } : { style: 'warn', text: agentNotReady() }]]);
  }
  const style = statusStyle(state.status);
  rows.push(['view.status.status', [style ? { style, text: state.status } : state.status]]);
  if (state.error) rows.push(['view.status.error', [{ style: 'fail', text: state.error }]]);
  const reason = imagesUnknownReason(state);
  rows.push(['view.status.images', [reason && state.enabled ? { style: 'warn', text: t('view.status.imagesUnknown', { reason }) } : String(state.images.length)]]);
  // Every label counts, shown or not, so the column stays put from one --watch print to the next.
  const labels = new Map(LABELS.map((key) => [key, t(key)]));
  const width = Math.max(...[...labels.values()].map((l) => stringWidth(l))) + 2;
  const text: (string | StyledText[number])[] = [];
  for (const [key, value] of rows) {
    const label = labels.get(key) ?? '';
    text.push(label + ' '.repeat(width - stringWidth(label)));
    // A value is one line: a newline in an error from UCloud must not forge another line of the summary.
    for (const part of value) text.push(typeof part === 'string' ? safeField(part) : { style: part.style, text: safeField(part.text) });
    text.push('\n');
  }
  if (state.images.length > 0) text.push('\n', ...imagesTable(state.images.map((img) => imageView(state, img)), wide));
  return text;
}

export async function run(o: StatusOptions, ctx: Context): Promise<number> {
  const api = await ctx.ucloud();
  await ctx.warnIfOtherCluster();
  const print = (state: AccelerationState): void => {
    if (!printMachine(ctx.out, o.output, statusView(state))) writeStyled(ctx.out, renderStatus(state, o.output === 'wide'));
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
