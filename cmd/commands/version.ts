import type { Argv } from 'yargs';
import { PLUGIN_COMMIT, PLUGIN_VERSION } from '../../lib/version.ts';
import { describeKubeError } from '../../lib/kube/errors.ts';
import { t } from '../../lib/i18n/index.ts';
import { bool, str, type Args } from '../args.ts';
import type { Context } from '../context.ts';
import { parseOutputFormat, printMachine, type OutputFormat } from '../output.ts';

export function builder(y: Argv): Argv {
  return y
    .option('client', { type: 'boolean', describe: t('cli.version.flag.client') })
    .option('output', { alias: 'o', type: 'string', describe: t('cli.version.flag.output') });
}

export interface VersionOptions {
  readonly clientOnly: boolean;
  readonly output: OutputFormat;
}

export function validate(args: Args): VersionOptions {
  return { clientOnly: bool(args, 'client'), output: parseOutputFormat(str(args, 'output'), ['table', 'json', 'yaml']) };
}

/** Asks /version with a short deadline: `version` must stay quick when the cluster is down. */
async function serverVersion(ctx: Context): Promise<{ version?: string; error?: string } | undefined> {
  const deadline = new Error('deadline');
  try {
    // Without any kubeconfig there is no server to ask, and nothing to say about it.
    if (!ctx.kube.inCluster() && ctx.kube.loaded.files.length === 0) return undefined;
    // Raw, like every request: only that path sends one Impersonate-Group line per --as-group.
    const { rawRequest } = await import('../../lib/kube/rawlist.ts');
    const info = await Promise.race([
      rawRequest(ctx.kube, '/version').then((body) => JSON.parse(body) as { gitVersion?: string }),
      new Promise<never>((_, reject) => setTimeout(() => reject(deadline), 3000).unref()),
    ]);
    return { version: info.gitVersion };
  } catch (err) {
    return { error: err === deadline ? t('cli.kube.unable', { reason: t('cli.kube.timedOutAfter', { seconds: 3 }) }) : describeKubeError(err, undefined, t) };
  }
}

export async function run(o: VersionOptions, ctx: Context): Promise<number> {
  const client = { version: PLUGIN_VERSION, commit: PLUGIN_COMMIT, node: process.version, platform: `${process.platform}/${process.arch}` };
  const server = o.clientOnly ? undefined : await serverVersion(ctx);
  if (printMachine(ctx.out, o.output, { clientVersion: client, ...(server?.version ? { serverVersion: { gitVersion: server.version } } : {}) })) return 0;
  ctx.out.write(t('cli.version.client', client));
  if (server?.version) ctx.out.write(t('cli.version.server', { version: server.version }));
  else if (server?.error) ctx.streams.err.write(t('cli.version.serverUnknown', { error: server.error }));
  return 0;
}
