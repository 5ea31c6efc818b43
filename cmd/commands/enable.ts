import type { Argv } from 'yargs';
import { invalid } from '../../lib/errors.ts';
import { checkNfsAddr, checkSubnetId } from '../../lib/values.ts';
import { enableAcceleration } from '../../lib/operations.ts';
import { parseDryRun, parseWait, str, withDeadline, type Args, type DryRun, type WaitSettings } from '../args.ts';
import type { Context } from '../context.ts';
import { parseOutputFormat, printMachine, type OutputFormat } from '../output.ts';
import { runOperation, waitForTurn } from '../progress.ts';
import { statusView } from '../views.ts';

export function builder(y: Argv): Argv {
  return y
    .option('nfs-addr', { type: 'string', describe: 'UFS/NFS mount address in the cluster\'s VPC (default: NFS_ADDR env or the credentials Secret)' })
    .option('subnet-id', { type: 'string', describe: 'Subnet for the NFS mount (default: SUBNET_ID env, the credentials Secret, or the cluster\'s own subnet from ConfigMap kube-system/uk8sconfig, which is then said on stderr)' })
    .option('uhub-username', { type: 'string', describe: 'UHub user with push permission (default: UHUB_USERNAME env or the credentials Secret); the password comes from UHUB_PASSWORD or the Secret, never from a flag' })
    .option('wait', { type: 'boolean', default: true, describe: 'Wait for a disable in progress, then until the NFS and the acceleration agent are ready (--no-wait returns at once)' })
    .option('timeout', { type: 'string', default: '15m', describe: 'How long to wait (0 = no limit)' })
    .option('dry-run', { type: 'string', describe: 'none|client: client checks everything but enables nothing' })
    .option('output', { alias: 'o', type: 'string', describe: 'Output format: json|yaml' })
    .example('$0 enable --nfs-addr 10.9.0.10 --subnet-id subnet-abc123', 'Enable with the UHub account stored by `configure`');
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
      ctx.out.write(`image acceleration is already enabled on cluster ${before.clusterId}\n`);
      if (!before.agentReady) ctx.streams.err.write('note: its agent is not ready: it is starting, or a disable is tearing it down (`kubectl uimgacc status --watch`)\n');
    }
    return 0;
  }
  const nfsAddr = await ctx.config.enableValue('nfsAddr', o.nfsAddr, 'nfs-addr', 'NFS_ADDR');
  const subnetId = await ctx.config.enableValue('subnetId', o.subnetId, 'subnet-id', 'SUBNET_ID');
  const uhubUsername = await ctx.config.enableValue('uhubUsername', o.uhubUsername, 'uhub-username', 'UHUB_USERNAME');
  const uhubPassword = await ctx.config.enableValue('uhubPassword', undefined, 'uhub-password', 'UHUB_PASSWORD');
  const missing = [
    !nfsAddr && '--nfs-addr (or NFS_ADDR)',
    !subnetId && '--subnet-id (or SUBNET_ID)',
    !uhubUsername && '--uhub-username (or UHUB_USERNAME)',
    !uhubPassword && 'UHUB_PASSWORD (env, or stored with `kubectl uimgacc configure`)',
  ].filter((m): m is string => typeof m === 'string');
  if (missing.length > 0 || !nfsAddr || !subnetId || !uhubUsername || !uhubPassword) {
    throw invalid(`enable needs ${missing.join(', ')}`, ...ctx.config.notes.map((n) => `note: ${n}`));
  }
  // Values from the environment or the Secret are checked as the flags were, still before any call.
  checkNfsAddr(nfsAddr.value, nfsAddr.source);
  checkSubnetId(subnetId.value, subnetId.source);
  for (const [what, v] of [['NFS address', nfsAddr], ['subnet', subnetId], ['UHub user', uhubUsername]] as const) {
    ctx.debug(1, `${what}: ${v.value} (from ${v.source})`);
  }
  ctx.debug(1, `UHub password: (set) (from ${uhubPassword.source})`);
  // Not only with -v: the UFS mount goes into this subnet, and the user did not name it.
  if (subnetId.source.startsWith('ConfigMap ')) {
    ctx.streams.err.write(`note: using the cluster's subnet ${subnetId.value} (from ${subnetId.source}) for the NFS mount; --subnet-id chooses another\n`);
  }
  if (o.dryRun === 'client') {
    // The status as the request would leave it at first: enabled with this NFS and subnet, agent still starting.
    const wouldBe = { ...statusView(before), enabled: true, nfsAddr: nfsAddr.value, subnetId: subnetId.value, dryRun: true };
    if (!printMachine(ctx.out, o.output, wouldBe)) {
      ctx.out.write(`image acceleration would be enabled on cluster ${before.clusterId} with NFS ${nfsAddr.value} in ${subnetId.value} (dry run)\n`);
    }
    return 0;
  }
  const req = { nfsAddr: nfsAddr.value, subnetId: subnetId.value, uhubUsername: uhubUsername.value, uhubPassword: uhubPassword.value };
  const result = await runOperation(ctx, `Enabling image acceleration on ${before.clusterId}`, 'image acceleration enabled', wait, (w) => enableAcceleration(api, req, w),
    // Still enabling when the wait ended: machine output says how far it got; stderr says why it stopped.
    (last) => void printMachine(ctx.out, o.output, statusView(last ?? before)));
  if (printMachine(ctx.out, o.output, statusView(result.state))) return 0;
  if (!result.finished) {
    ctx.out.write(`image acceleration is being enabled on cluster ${before.clusterId}; the agent becomes ready in a few minutes (\`kubectl uimgacc status --watch\`)\n`);
    return 0;
  }
  ctx.out.write(`image acceleration is enabled on cluster ${before.clusterId}: NFS ready, agent ready\n`);
  ctx.out.write('note: only nodes added from now on get the acceleration label; target images run only on those nodes\n');
  return 0;
}
