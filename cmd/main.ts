import yargs, { type Argv } from 'yargs';
import type { Args } from './args.ts';
import { str } from './args.ts';
import type { Context, GlobalFlags, Streams } from './context.ts';
import { EXIT, reportError } from './errors.ts';
import { invalid } from '../lib/errors.ts';
import { COMMANDS, type CommandEntry, type CommandModule } from './commands/index.ts';

export const PROGRAM = 'kubectl uimgacc';

const KNOWN = new Set(COMMANDS.flatMap((e) => [e.name, ...e.aliases]));

function parseVerbosity(value: string | undefined): number {
  if (value === undefined) return 0;
  if (value === '' || value === 'true') return 1;
  if (!/^\d+$/.test(value)) throw invalid(`invalid -v level "${value}": use a number, e.g. -v=2`);
  return Number(value);
}

export function globalFlags(args: Args): GlobalFlags {
  return {
    kubeconfig: str(args, 'kubeconfig'),
    context: str(args, 'context'),
    cluster: str(args, 'cluster'),
    user: str(args, 'user'),
    namespace: str(args, 'namespace'),
    requestTimeout: str(args, 'request-timeout'),
    clusterId: str(args, 'cluster-id'),
    region: str(args, 'region'),
    projectId: str(args, 'project-id'),
    apiEndpoint: str(args, 'api-endpoint'),
    credentialsSecret: str(args, 'credentials-secret'),
    profile: str(args, 'profile'),
    verbosity: parseVerbosity(str(args, 'v')),
    pollInterval: str(args, 'poll-interval'),
  };
}

function addGlobalOptions(y: Argv): Argv {
  const group = 'Kubernetes flags:';
  const ucloud = 'UCloud flags:';
  return y
    .option('kubeconfig', { type: 'string', group, describe: 'Path to the kubeconfig file (default: KUBECONFIG or ~/.kube/config)' })
    .option('context', { type: 'string', group, describe: 'The kubeconfig context to use' })
    .option('cluster', { type: 'string', group, describe: 'The kubeconfig cluster to use' })
    .option('user', { type: 'string', group, describe: 'The kubeconfig user to use' })
    .option('namespace', { alias: 'n', type: 'string', group, describe: 'The namespace scope for this request' })
    .option('request-timeout', { type: 'string', group, describe: 'How long to wait for a single Kubernetes request (e.g. 30s)' })
    .option('cluster-id', { type: 'string', group: ucloud, describe: 'UK8S cluster ID (default: UCLOUD_UK8S_CLUSTER_ID, the context, or ConfigMap kube-system/uk8sconfig)' })
    .option('region', { type: 'string', group: ucloud, describe: 'UCloud region, e.g. cn-bj2 (default: UCLOUD_REGION, the context, the cluster)' })
    .option('project-id', { type: 'string', group: ucloud, describe: 'UCloud project ID (default: UCLOUD_PROJECT_ID, the context, the cluster)' })
    .option('api-endpoint', { type: 'string', group: ucloud, describe: 'UCloud API base URL (default: UCLOUD_API_BASE_URL or https://api.ucloud.cn; inside a UCloud VPC http://api.service.ucloud.cn)' })
    .option('credentials-secret', { type: 'string', group: ucloud, describe: 'Secret holding the UCloud key pair, NAMESPACE/NAME (default: kube-system/uimgacc-credentials)' })
    .option('profile', { type: 'string', group: ucloud, describe: 'ucloud-cli profile to take the key pair from (default: UCLOUD_PROFILE or the active one)' })
    .option('v', { type: 'string', describe: 'Log level: -v explains where each setting came from, -v=2 also logs API calls (secrets never)' })
    .option('poll-interval', { type: 'string', hidden: true });
}

/** Runs the plugin with the given arguments; returns the exit code instead of exiting, so tests can call it. */
export async function main(argv: readonly string[], streams: Streams, env: NodeJS.ProcessEnv): Promise<number> {
  let exitCode: number = EXIT.ok;
  let failed = false;
  const write = (text: string): void => void streams.err.write(text);
  // Like kubectl, a bare invocation shows the help instead of an error.
  let parser = addGlobalOptions(yargs(argv.length === 0 ? ['--help'] : [...argv]))
    .scriptName(PROGRAM)
    .usage(`${PROGRAM}: make UCloud UK8S image acceleration safe and effortless\n\nUsage: ${PROGRAM} COMMAND [flags]`)
    .strict()
    .demandCommand(1, 'a command is required')
    .recommendCommands()
    .help('help')
    .alias('help', 'h')
    .version(false)
    .exitProcess(false)
    .wrap(Math.min(120, (streams.err as { columns?: number }).columns ?? 100))
    .epilog('Exit codes: 0 ok, 1 error, 3 refused because the image is in use (--force overrides), 4 timed out (the operation may still finish), 5 could not verify that nothing uses the image (part of the cluster could not be seen), 130/143 interrupted.')
    .fail((msg, err) => {
      if (failed) return;
      failed = true;
      if (err) {
        exitCode = reportError(err, write);
        return;
      }
      const first = argv.find((a) => !a.startsWith('-'));
      const cmd = first !== undefined && KNOWN.has(first) ? first : undefined;
      if (first !== undefined && cmd === undefined && /^Did you mean/.test(msg)) {
        write(`error: unknown command "${first}" for "${PROGRAM}"\n${msg}\n`);
      } else {
        write(`error: ${msg}\n`);
      }
      write(`See '${PROGRAM}${cmd ? ` ${cmd}` : ''} --help' for usage.\n`);
      exitCode = EXIT.error;
    });
  // Import only the modules of commands the arguments name (usually one; a flag value that happens to be a command
  // name costs an import, nothing more). The others still register, with their description, for help and suggestions.
  const loaded = new Map<CommandEntry, CommandModule<unknown>>(
    await Promise.all(COMMANDS.filter((e) => argv.includes(e.name) || e.aliases.some((a) => argv.includes(a))).map(async (e) => [e, await e.load()] as const)),
  );
  for (const e of COMMANDS) {
    parser = parser.command({
      command: e.command,
      aliases: [...e.aliases],
      describe: e.describe,
      builder: (y: Argv) => loaded.get(e)?.builder(y) ?? y,
      handler: async (args: Args) => {
        // yargs still calls the handler after reporting a usage error when it may not exit the process.
        if (failed) return;
        let ctx: Context | undefined;
        try {
          const m = loaded.get(e) ?? (await e.load());
          const flags = globalFlags(args);
          const options = m.validate(args);
          // The context brings the Kubernetes and UCloud clients' set-up code: not needed to print help.
          const { Context } = await import('./context.ts');
          ctx = new Context(flags, streams, env);
          exitCode = await m.run(options, ctx);
        } catch (err) {
          failed = true;
          exitCode = reportError(err, write, ctx?.flags.verbosity ?? 0, ctx?.kube.serverUrl());
        }
      },
    });
  }
  try {
    await parser.parseAsync();
  } catch (err) {
    if (!failed) exitCode = reportError(err, write);
  }
  return exitCode;
}

export async function cli(): Promise<void> {
  const interactive = Boolean(process.stderr.isTTY) && !process.env['CI'];
  const code = await main(process.argv.slice(2), { out: process.stdout, err: process.stderr, interactive }, process.env);
  // Exit once the output is flushed: a request abandoned after a timeout must not keep the process alive.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}
