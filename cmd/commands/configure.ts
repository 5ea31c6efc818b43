import type { Argv } from 'yargs';
import type { V1Secret } from '@kubernetes/client-node';
import { invalid } from '../../lib/errors.ts';
import { checkNfsAddr, checkSubnetId } from '../../lib/values.ts';
import { SECRET_KEYS, isClusterId } from '../../lib/config/secret.ts';
import { isConflict, isNotFound } from '../../lib/kube/errors.ts';
import { writeContextExtension } from '../../lib/kube/kubeconfig.ts';
import { parseDryRun, str, type Args, type DryRun } from '../args.ts';
import type { Context } from '../context.ts';
import { prompt } from '../prompt.ts';

export function builder(y: Argv): Argv {
  return y
    .option('uhub-username', { type: 'string', describe: 'UHub user with push permission, for `enable`' })
    .option('nfs-addr', { type: 'string', describe: 'UFS/NFS mount address, for `enable`' })
    .option('subnet-id', { type: 'string', describe: 'Subnet of the NFS mount, for `enable`' })
    .option('record-context', { type: 'boolean', default: true, describe: 'Record cluster ID, region and project in the kubeconfig context' })
    .option('dry-run', { type: 'string', describe: 'none|client|server' })
    .option('field-manager', { type: 'string', default: 'kubectl-uimgacc', describe: 'Name of the manager used to track field ownership' })
    .epilog(
      'Secrets are never taken from flags (they would end up in shell history): UCLOUD_PUBLIC_KEY, UCLOUD_PRIVATE_KEY and UHUB_PASSWORD come from the environment, or are asked for on a terminal without echo. Values already in the Secret are kept unless given again.',
    )
    .example('UCLOUD_PUBLIC_KEY=… UCLOUD_PRIVATE_KEY=… $0 configure --cluster-id uk8s-abcd1234 --region cn-bj2', 'Non-interactive setup');
}

export interface ConfigureOptions {
  readonly uhubUsername: string | undefined;
  readonly nfsAddr: string | undefined;
  readonly subnetId: string | undefined;
  readonly recordContext: boolean;
  readonly dryRun: DryRun;
  readonly fieldManager: string;
}

export function validate(args: Args): ConfigureOptions {
  const fieldManager = str(args, 'field-manager') ?? 'kubectl-uimgacc';
  if (fieldManager === '' || fieldManager.length > 128) throw invalid('--field-manager must be 1 to 128 characters');
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
  };
}

async function ask(ctx: Context, question: string, secret: boolean): Promise<string | undefined> {
  if (!process.stdin.isTTY || !ctx.streams.interactive) return undefined;
  const v = await prompt(question, { secret, output: ctx.streams.err });
  return v === '' ? undefined : v;
}

export async function run(o: ConfigureOptions, ctx: Context): Promise<number> {
  const ref = ctx.config.secretRef;
  const core = await ctx.kube.core();
  let existing: V1Secret | undefined;
  try {
    existing = await ctx.kube.timed(core.readNamespacedSecret({ namespace: ref.namespace, name: ref.name }));
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const current: Record<string, string> = {};
  for (const [k, v] of Object.entries(existing?.data ?? {})) current[k] = Buffer.from(v, 'base64').toString('utf8');

  const env = ctx.env;
  const flags = ctx.flags;
  const clusterId = flags.clusterId ?? env['UCLOUD_UK8S_CLUSTER_ID'] ?? current[SECRET_KEYS.clusterId] ?? (await ctx.config.clusterId().catch(() => undefined))?.value;
  if (!clusterId) throw invalid('configure needs the cluster ID: pass --cluster-id uk8s-…');
  if (!isClusterId(clusterId)) throw invalid(`invalid cluster ID "${clusterId}": UK8S cluster IDs look like uk8s-xxxxxxxx`);
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
  const data: Record<string, string> = { ...current };
  for (const [k, v] of Object.entries(updates)) if (v !== undefined && v.trim() !== '') data[k] = v.trim();

  if (!data[SECRET_KEYS.publicKey]) data[SECRET_KEYS.publicKey] = (await ask(ctx, 'UCloud public key: ', false)) ?? '';
  if (!data[SECRET_KEYS.privateKey]) data[SECRET_KEYS.privateKey] = (await ask(ctx, 'UCloud private key (not echoed): ', true)) ?? '';
  if (data[SECRET_KEYS.uhubUsername] && !data[SECRET_KEYS.uhubPassword]) {
    const pw = await ask(ctx, `UHub password for ${data[SECRET_KEYS.uhubUsername] ?? ''} (not echoed): `, true);
    if (pw) data[SECRET_KEYS.uhubPassword] = pw;
  }
  const missing = [SECRET_KEYS.publicKey, SECRET_KEYS.privateKey].filter((k) => !data[k]);
  if (missing.length > 0) {
    throw invalid(`configure needs ${missing.join(' and ')}: set them in the environment (or run on a terminal to be asked)`);
  }
  for (const k of Object.keys(data)) if (data[k] === '') delete data[k];

  const encoded: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) encoded[k] = Buffer.from(v, 'utf8').toString('base64');
  const dryRun = o.dryRun === 'server' ? 'All' : undefined;
  const keys = Object.keys(data).sort().join(', ');
  if (o.dryRun === 'client') {
    ctx.out.write(`secret/${ref.name} would be ${existing ? 'configured' : 'created'} in namespace ${ref.namespace} with keys ${keys} (dry run)\n`);
  } else {
    let verb = 'created';
    for (let attempt = 1; ; attempt++) {
      try {
        if (!existing) {
          await ctx.kube.timed(core.createNamespacedSecret({
            namespace: ref.namespace,
            fieldManager: o.fieldManager,
            dryRun,
            body: {
              apiVersion: 'v1',
              kind: 'Secret',
              type: 'Opaque',
              metadata: { name: ref.name, namespace: ref.namespace, labels: { 'app.kubernetes.io/managed-by': 'kubectl-uimgacc' } },
              data: encoded,
            },
          }));
        } else {
          verb = 'configured';
          // Replace with the resourceVersion we read: a concurrent edit makes this fail instead of being lost.
          await ctx.kube.timed(core.replaceNamespacedSecret({
            namespace: ref.namespace,
            name: ref.name,
            fieldManager: o.fieldManager,
            dryRun,
            body: { ...existing, data: encoded },
          }));
        }
        break;
      } catch (err) {
        if (!isConflict(err) || attempt >= 3) throw err;
        existing = await ctx.kube.timed(core.readNamespacedSecret({ namespace: ref.namespace, name: ref.name })).catch((e: unknown) => {
          if (isNotFound(e)) return undefined;
          throw e;
        });
      }
    }
    ctx.out.write(`secret/${ref.name} ${verb} in namespace ${ref.namespace} (keys: ${keys})${dryRun ? ' (server dry run)' : ''}\n`);
  }
  if (o.recordContext && !ctx.kube.inCluster()) {
    const ext = { clusterId, region: data[SECRET_KEYS.region], projectId: data[SECRET_KEYS.projectId] };
    if (o.dryRun !== 'none') {
      ctx.out.write(`context "${ctx.kube.loaded.contextName ?? ''}" would record cluster ${clusterId} (dry run)\n`);
    } else {
      const file = writeContextExtension(ctx.kube.loaded, ext);
      ctx.out.write(`context "${ctx.kube.loaded.contextName ?? ''}" now records cluster ${clusterId} (${file})\n`);
    }
  }
  return 0;
}
