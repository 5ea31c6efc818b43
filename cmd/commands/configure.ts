import type { Argv } from 'yargs';
import { invalid } from '../../lib/errors.ts';
import { t } from '../../lib/i18n/index.ts';
import { checkNfsAddr, checkSubnetId } from '../../lib/values.ts';
import { SECRET_KEYS, isClusterId } from '../../lib/config/secret.ts';
import { mergeSecretData, readCredentialsSecret, secretChanges, writeCredentialsSecret } from '../../lib/config/store.ts';
import { writeContextExtension } from '../../lib/kube/kubeconfig.ts';
import { parseDryRun, str, type Args, type DryRun } from '../args.ts';
import type { Context } from '../context.ts';
import { parseOutputFormat, printMachine, type OutputFormat } from '../output.ts';
import { API_VERSION } from '../views.ts';
import { prompt } from '../prompt.ts';

export function builder(y: Argv): Argv {
  return y
    .option('uhub-username', { type: 'string', describe: t('setup.configure.uhubUsername') })
    .option('nfs-addr', { type: 'string', describe: t('setup.configure.nfsAddr') })
    .option('subnet-id', { type: 'string', describe: t('setup.configure.subnetId') })
    .option('record-context', { type: 'boolean', default: true, describe: t('setup.configure.recordContext') })
    .option('dry-run', { type: 'string', describe: t('setup.configure.dryRun') })
    .option('field-manager', { type: 'string', default: 'kubectl-uimgacc', describe: t('setup.configure.fieldManager') })
    .option('output', { alias: 'o', type: 'string', describe: t('setup.configure.output') })
    .epilog(t('setup.configure.epilog'))
    .example('UCLOUD_PUBLIC_KEY=… UCLOUD_PRIVATE_KEY=… $0 configure --cluster-id uk8s-abcd1234 --region cn-bj2', t('setup.configure.example'));
}

export interface ConfigureOptions {
  readonly uhubUsername: string | undefined;
  readonly nfsAddr: string | undefined;
  readonly subnetId: string | undefined;
  readonly recordContext: boolean;
  readonly dryRun: DryRun;
  readonly fieldManager: string;
  readonly output: OutputFormat;
}

export function validate(args: Args): ConfigureOptions {
  const fieldManager = str(args, 'field-manager') ?? 'kubectl-uimgacc';
  if (fieldManager === '' || fieldManager.length > 128) throw invalid(t('setup.configure.fieldManagerLength'));
  const nfsAddr = str(args, 'nfs-addr');
  const subnetId = str(args, 'subnet-id');
  // Stored for `enable`: a typo is better refused now than by UCloud later.
  if (nfsAddr !== undefined) checkNfsAddr(nfsAddr);
  if (subnetId !== undefined) checkSubnetId(subnetId);
  return {
    uhubUsername: str(args, 'uhub-username'),
    nfsAddr,
    subnetId,
    recordContext: args['record-context'] !== false,
    dryRun: parseDryRun(str(args, 'dry-run'), true),
    fieldManager,
    output: parseOutputFormat(str(args, 'output'), ['table', 'json', 'yaml', 'name']),
  };
}

async function ask(ctx: Context, question: string, secret: boolean, trim = true): Promise<string | undefined> {
  if (!process.stdin.isTTY || !ctx.streams.interactive) return undefined;
  const v = await prompt(question, { secret, trim, output: ctx.streams.err });
  return v === '' ? undefined : v;
}

export async function run(o: ConfigureOptions, ctx: Context): Promise<number> {
  const ref = ctx.config.secretRef;
  const stored = await readCredentialsSecret(ctx.kube, ref);
  const current = stored.data;

  const env = ctx.env;
  const flags = ctx.flags;
  const clusterId = flags.clusterId ?? env['UCLOUD_UK8S_CLUSTER_ID'] ?? current[SECRET_KEYS.clusterId] ?? (await ctx.config.clusterId().catch(() => undefined))?.value;
  if (!clusterId) throw invalid(t('setup.configure.needsClusterId'));
  if (!isClusterId(clusterId)) throw invalid(t('setup.configure.invalidClusterId', { value: clusterId }));
  const updates: Record<string, string | undefined> = {
    [SECRET_KEYS.clusterId]: clusterId,
    [SECRET_KEYS.region]: flags.region ?? env['UCLOUD_REGION'],
    [SECRET_KEYS.projectId]: flags.projectId ?? env['UCLOUD_PROJECT_ID'],
    [SECRET_KEYS.apiBaseUrl]: flags.apiEndpoint ?? env['UCLOUD_API_BASE_URL'],
    [SECRET_KEYS.publicKey]: env['UCLOUD_PUBLIC_KEY'],
    [SECRET_KEYS.privateKey]: env['UCLOUD_PRIVATE_KEY'],
    [SECRET_KEYS.uhubUsername]: o.uhubUsername ?? env['UHUB_USERNAME'],
    [SECRET_KEYS.uhubPassword]: env['UHUB_PASSWORD'],
    [SECRET_KEYS.nfsAddr]: o.nfsAddr ?? env['NFS_ADDR'],
    [SECRET_KEYS.subnetId]: o.subnetId ?? env['SUBNET_ID'],
  };
  const changes = secretChanges(updates);
  const have = (k: string): boolean => Boolean(changes[k] ?? current[k]);
  const asked = async (k: string, question: string, secret: boolean, trim = true): Promise<void> => {
    const v = await ask(ctx, question, secret, trim);
    if (v) changes[k] = v;
  };
  if (!have(SECRET_KEYS.publicKey)) await asked(SECRET_KEYS.publicKey, t('setup.configure.askPublicKey'), false);
  if (!have(SECRET_KEYS.privateKey)) await asked(SECRET_KEYS.privateKey, t('setup.configure.askPrivateKey'), true);
  const uhubUser = changes[SECRET_KEYS.uhubUsername] ?? current[SECRET_KEYS.uhubUsername];
  // The password is kept exactly as typed: spaces at either end are part of it.
  if (uhubUser && !have(SECRET_KEYS.uhubPassword)) await asked(SECRET_KEYS.uhubPassword, t('setup.configure.askUhubPassword', { user: uhubUser }), true, false);
  const missing = [SECRET_KEYS.publicKey, SECRET_KEYS.privateKey].filter((k) => !have(k));
  const [first, second] = missing;
  if (first !== undefined) {
    throw invalid(second === undefined ? t('setup.configure.needsKey', { key: first }) : t('setup.configure.needsKeys', { first, second }));
  }

  const dryRun = o.dryRun === 'server' ? 'All' : undefined;
  let data = mergeSecretData(current, changes);
  // The text lines are the table output; -o prints one Configuration object (names of keys only, never values).
  const say = (line: string): void => void (o.output === 'table' && ctx.out.write(`${line}\n`));
  const keys = (): string => Object.keys(data).sort().join(t('common.listSeparator'));
  let verb: 'configured' | 'created' = stored.object ? 'configured' : 'created';
  if (o.dryRun === 'client') {
    say(t(verb === 'created' ? 'setup.configure.wouldCreate' : 'setup.configure.wouldConfigure', { name: ref.name, namespace: ref.namespace, keys: keys() }));
  } else {
    const written = await writeCredentialsSecret(ctx.kube, ref, stored, changes, { fieldManager: o.fieldManager, dryRun });
    data = written.data;
    verb = written.verb;
    const message = dryRun
      ? verb === 'created' ? 'setup.configure.createdServerDryRun' : 'setup.configure.configuredServerDryRun'
      : verb === 'created' ? 'setup.configure.created' : 'setup.configure.configured';
    say(t(message, { name: ref.name, namespace: ref.namespace, keys: keys() }));
  }
  let context: Record<string, unknown> | undefined;
  if (o.recordContext && !ctx.kube.inCluster()) {
    const ext = { clusterId, region: data[SECRET_KEYS.region], projectId: data[SECRET_KEYS.projectId] };
    const name = ctx.kube.loaded.contextName ?? '';
    if (o.dryRun !== 'none') {
      say(t('setup.configure.contextWould', { context: name, cluster: clusterId }));
      context = { name, clusterId, recorded: false };
    } else {
      const file = writeContextExtension(ctx.kube.loaded, ext);
      say(t('setup.configure.contextRecorded', { context: name, cluster: clusterId, file }));
      context = { name, clusterId, recorded: true, file };
    }
  }
  if (o.output === 'name') ctx.out.write(`secret/${ref.name}\n`);
  printMachine(ctx.out, o.output, {
    apiVersion: API_VERSION,
    kind: 'Configuration',
    clusterId,
    secret: { namespace: ref.namespace, name: ref.name, action: verb, keys: Object.keys(data).sort() },
    ...(context ? { context } : {}),
    ...(o.dryRun !== 'none' ? { dryRun: o.dryRun } : {}),
  });
  return 0;
}
