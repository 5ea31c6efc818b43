import type { Argv } from 'yargs';
import { PLUGIN_COMMIT, PLUGIN_VERSION } from '../../lib/version.ts';
import { describeKubeError } from '../../lib/kube/errors.ts';
import { bool, str, type Args } from '../args.ts';
import type { Context } from '../context.ts';
import { parseOutputFormat, printMachine, type OutputFormat } from '../output.ts';

export function builder(y: Argv): Argv {
  return y
    .option('client', { type: 'boolean', describe: 'Only the client version (no cluster access)' })
    .option('output', { alias: 'o', type: 'string', describe: 'Output format: json|yaml' });
}

export interface VersionOptions {
  readonly clientOnly: boolean;
  readonly output: OutputFormat;
}

export function validate(args: Args): VersionOptions {
  return { clientOnly: bool(args, 'client'), output: parseOutputFormat(str(args, 'output'), ['table', 'json', 'yaml']) };
}

/** Asks /version with a short deadline: `version` must stay quick when the cluster is down. */
async function serverVersion(ctx: Context): Promise<{ version?: string; error?: string }> {
  try {
    if (!ctx.kube.inCluster() && ctx.kube.loaded.files.length === 0) return { error: 'no kubeconfig' };
    // Raw, like every request: only that path sends one Impersonate-Group line per --as-group.
    const { rawRequest } = await import('../../lib/kube/rawlist.ts');
    const info = await Promise.race([
      rawRequest(ctx.kube, '/version').then((body) => JSON.parse(body) as { gitVersion?: string }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out after 3s')), 3000).unref()),
    ]);
    return { version: info.gitVersion };
  } catch (err) {
    return { error: err instanceof Error && err.message === 'timed out after 3s' ? 'Unable to connect to the server: timed out after 3s' : describeKubeError(err) };
  }
}

export async function run(o: VersionOptions, ctx: Context): Promise<number> {
  const client = { version: PLUGIN_VERSION, commit: PLUGIN_COMMIT, node: process.version, platform: `${process.platform}/${process.arch}` };
  const server = o.clientOnly ? undefined : await serverVersion(ctx);
  if (printMachine(ctx.out, o.output, { clientVersion: client, ...(server?.version ? { serverVersion: { gitVersion: server.version } } : {}) })) return 0;
  ctx.out.write(`Plugin Version: ${client.version}\nCommit: ${client.commit}\nNode.js: ${client.node} (${client.platform})\n`);
  if (server?.version) ctx.out.write(`Server Version: ${server.version}\n`);
  else if (server?.error && server.error !== 'no kubeconfig') ctx.streams.err.write(`Server Version: unknown (${server.error})\n`);
  return 0;
}
