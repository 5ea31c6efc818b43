import type { Argv } from 'yargs';
import { invalid } from '../../lib/errors.ts';
import { checkNfsAddr, checkSubnetId } from '../../lib/values.ts';
import { enableAcceleration } from '../../lib/operations.ts';
import { parseDryRun, parseWait, str, withDeadline, type Args, type DryRun, type WaitSettings } from '../args.ts';
import type { Context } from '../context.ts';
import { parseOutputFormat, printMachine, type OutputFormat } from '../output.ts';
import { runOperation, waitForTurn } from '../progress.ts';
import { statusView } from '../views.ts';
import { writeStyled } from '../safe-text.ts';
import { t } from '../../lib/i18n/index.ts';
import { describeSource } from '../../lib/config/resolve.ts';

export function builder(y: Argv): Argv {
  return y
    .option('nfs-addr', { type: 'string', describe: t('operation.enable.describe.nfsAddr') })
    .option('subnet-id', { type: 'string', describe: t('operation.enable.describe.subnetId') })
    .option('uhub-username', { type: 'string', describe: t('operation.enable.describe.uhubUsername') })
    .option('wait', { type: 'boolean', default: true, describe: t('operation.enable.describe.wait') })
    .option('timeout', { type: 'string', default: '15m', describe: t('operation.enable.describe.timeout') })
    .option('dry-run', { type: 'string', describe: t('operation.enable.describe.dryRun') })
    .option('output', { alias: 'o', type: 'string', describe: t('operation.enable.describe.output') })
    .example('$0 enable --nfs-addr 10.9.0.10 --subnet-id subnet-abc123', t('operation.enable.example'));
}

export interface EnableOptions {
  readonly nfsAddr: string | undefined;
  readonly subnetId: string | undefined;
  readonly uhubUsername: string | undefined;
  readonly wait: WaitSettings | undefined;
  readonly dryRun: DryRun;
  readonly output: OutputFormat;
}

export function validate(args: Args): EnableOptions {
  const nfsAddr = str(args, 'nfs-addr');
  const subnetId = str(args, 'subnet-id');
  if (nfsAddr !== undefined) checkNfsAddr(nfsAddr);
  if (subnetId !== undefined) checkSubnetId(subnetId);
  return {
    nfsAddr,
    subnetId,
    uhubUsername: str(args, 'uhub-username'),
    wait: parseWait(args, '15m'),
    dryRun: parseDryRun(str(args, 'dry-run'), false),
    output: parseOutputFormat(str(args, 'output'), ['table', 'json', 'yaml']),
  };
}

export async function run(o: EnableOptions, ctx: Context): Promise<number> {
  const api = await ctx.ucloud();
  await ctx.warnIfOtherCluster();
  const wait = withDeadline(o.wait);
  // An agent that is not ready may be a disable tearing down: wait for it to end one way or the other.
  const { state: before } = await waitForTurn(ctx, api, await api.get(), o.dryRun === 'client' ? undefined : wait);
  if (before.enabled) {
    if (!printMachine(ctx.out, o.output, statusView(before))) {
      ctx.out.write(`${t('operation.enable.already', { cluster: before.clusterId })}\n`);
      if (!before.agentReady) ctx.streams.err.write(`${t('operation.enable.agentNotReady')}\n`);
    }
    return 0;
  }
  const nfsAddr = await ctx.config.enableValue('nfsAddr', o.nfsAddr, 'nfs-addr', 'NFS_ADDR');
  const subnetId = await ctx.config.enableValue('subnetId', o.subnetId, 'subnet-id', 'SUBNET_ID');
  const uhubUsername = await ctx.config.enableValue('uhubUsername', o.uhubUsername, 'uhub-username', 'UHUB_USERNAME');
  const uhubPassword = await ctx.config.enableValue('uhubPassword', undefined, 'uhub-password', 'UHUB_PASSWORD');
  const missing = [
    !nfsAddr && t('operation.enable.missingFlag', { flag: '--nfs-addr', env: 'NFS_ADDR' }),
    !subnetId && t('operation.enable.missingFlag', { flag: '--subnet-id', env: 'SUBNET_ID' }),
    !uhubUsername && t('operation.enable.missingFlag', { flag: '--uhub-username', env: 'UHUB_USERNAME' }),
    !uhubPassword && t('operation.enable.missingPassword'),
  ].filter((m): m is string => typeof m === 'string');
  if (missing.length > 0 || !nfsAddr || !subnetId || !uhubUsername || !uhubPassword) {
    throw invalid(t('operation.enable.missing', { missing: missing.join(t('common.listSeparator')) }), ...ctx.config.notes.map((note) => t('operation.enable.note', { note })));
  }
  // Values from the environment or the Secret are checked as the flags were, still before any call.
  checkNfsAddr(nfsAddr.value, describeSource(nfsAddr.source));
  checkSubnetId(subnetId.value, describeSource(subnetId.source));
  for (const [what, v] of [[t('operation.debug.nfsAddr'), nfsAddr], [t('operation.debug.subnet'), subnetId], [t('operation.debug.uhubUser'), uhubUsername]] as const) {
    ctx.debug(1, t('setup.explain.value', { what, value: v.value, source: describeSource(v.source) }));
  }
  ctx.debug(1, t('setup.explain.secret', { what: t('operation.debug.uhubPassword'), source: describeSource(uhubPassword.source) }));
  // Not only with -v: the UFS mount goes into this subnet, and the user did not name it.
  if (subnetId.source.startsWith('ConfigMap ')) {
    ctx.streams.err.write(`${t('operation.enable.clusterSubnet', { subnet: subnetId.value, source: describeSource(subnetId.source) })}\n`);
  }
  if (o.dryRun === 'client') {
    // The status as the request would leave it at first: enabled with this NFS and subnet, agent still starting.
    const wouldBe = { ...statusView(before), enabled: true, nfsAddr: nfsAddr.value, subnetId: subnetId.value, dryRun: true };
    if (!printMachine(ctx.out, o.output, wouldBe)) {
      ctx.out.write(`${t('operation.enable.dryRun', { cluster: before.clusterId, nfs: nfsAddr.value, subnet: subnetId.value })}\n`);
    }
    return 0;
  }
  const req = { nfsAddr: nfsAddr.value, subnetId: subnetId.value, uhubUsername: uhubUsername.value, uhubPassword: uhubPassword.value };
  const progress = t('operation.enable.progress', { cluster: before.clusterId });
  const result = await runOperation(ctx, progress, t('operation.enable.progressDone'), wait, (w) => enableAcceleration(api, req, w),
    // Still enabling when the wait ended: machine output says how far it got; stderr says why it stopped.
    (last) => void printMachine(ctx.out, o.output, statusView(last ?? before)));
  if (printMachine(ctx.out, o.output, statusView(result.state))) return 0;
  if (!result.finished) {
    writeStyled(ctx.out, [{ style: 'progress', text: t('operation.enable.started', { cluster: before.clusterId }) }, '\n']);
    return 0;
  }
  writeStyled(ctx.out, [{ style: 'ok', text: t('operation.enable.done', { cluster: before.clusterId }) }, '\n']);
  ctx.out.write(`${t('operation.enable.newNodes')}\n`);
  return 0;
}
