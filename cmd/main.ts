import yargs, { type Argv } from 'yargs';
import type { Args } from './args.ts';
import { bool, str, strings } from './args.ts';
import type { Context, GlobalFlags, Streams } from './context.ts';
import { EXIT, errorOutput, reportError } from './errors.ts';
import { SafeWritable } from './safe-text.ts';
import { painterFor } from './colour.ts';
import { languageFromEnv, useLanguage } from '../lib/i18n/index.ts';
import { exitCodeOfSignal, interrupted } from './interrupt.ts';
import { invalid } from '../lib/errors.ts';
import { parseDuration } from '../lib/duration.ts';
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
    server: str(args, 'server'),
    certificateAuthority: str(args, 'certificate-authority'),
    insecureSkipTlsVerify: bool(args, 'insecure-skip-tls-verify'),
    tlsServerName: str(args, 'tls-server-name'),
    token: str(args, 'token'),
    as: str(args, 'as'),
    asGroups: strings(args, 'as-group'),
    asUid: str(args, 'as-uid'),
    clusterId: str(args, 'cluster-id'),
    region: str(args, 'region'),
    projectId: str(args, 'project-id'),
    apiEndpoint: str(args, 'api-endpoint'),
    credentialsSecret: str(args, 'credentials-secret'),
    profile: str(args, 'profile'),
    verbosity: parseVerbosity(str(args, 'v')),
    pollInterval: str(args, 'poll-interval'),
    readFailureLimit: str(args, 'read-failure-limit'),
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
    .option('request-timeout', { type: 'string', group, describe: 'How long to wait for a single request, to Kubernetes and to UCloud (e.g. 30s; 0 = no limit)' })
    .option('server', { alias: 's', type: 'string', group, describe: 'The address and port of the Kubernetes API server' })
    .option('certificate-authority', { type: 'string', group, describe: 'Path to a cert file for the certificate authority' })
    .option('insecure-skip-tls-verify', { type: 'boolean', group, describe: "If true, the server's certificate will not be checked for validity (insecure)" })
    .option('tls-server-name', { type: 'string', group, describe: 'Server name to use for server certificate validation' })
    .option('token', { type: 'string', group, describe: 'Bearer token for authentication to the API server' })
    .option('as', { type: 'string', group, describe: 'Username to impersonate for the operation (the in-use scan and patch run as this user)' })
    .option('as-group', { type: 'string', array: true, group, describe: 'Group to impersonate for the operation, repeatable' })
    .option('as-uid', { type: 'string', group, describe: 'UID to impersonate for the operation' })
    .option('cluster-id', { type: 'string', group: ucloud, describe: 'UK8S cluster ID (default: UCLOUD_UK8S_CLUSTER_ID, the context, or ConfigMap kube-system/uk8sconfig)' })
    .option('region', { type: 'string', group: ucloud, describe: 'UCloud region, e.g. cn-bj2 (default: UCLOUD_REGION, the context, the cluster)' })
    .option('project-id', { type: 'string', group: ucloud, describe: 'UCloud project ID (default: UCLOUD_PROJECT_ID, the context, the cluster)' })
    .option('api-endpoint', { type: 'string', group: ucloud, describe: 'UCloud API base URL (default: UCLOUD_API_BASE_URL or https://api.ucloud.cn; inside a UCloud VPC http://api.service.ucloud.cn)' })
    .option('credentials-secret', { type: 'string', group: ucloud, describe: 'Secret holding the UCloud key pair, NAMESPACE/NAME (default: kube-system/uimgacc-credentials)' })
    .option('profile', { type: 'string', group: ucloud, describe: 'ucloud-cli profile to take the key pair from (default: UCLOUD_PROFILE or the active one)' })
    .option('v', { type: 'string', describe: 'Log level: -v explains where each setting came from, -v=2 also logs API calls (secrets never)' })
    .option('poll-interval', { type: 'string', hidden: true })
    .option('read-failure-limit', { type: 'string', hidden: true });
}

/** How the user spelled an unknown flag yargs names `name`: yargs reads `--no-x` as "x, negated" and names it `x`. */
function spelledFlag(name: string, argv: readonly string[]): string {
  const dashes = name.length === 1 ? '-' : '--';
  const given = (flag: string): boolean => argv.some((a) => a === flag || a.startsWith(`${flag}=`));
  return !given(`${dashes}${name}`) && given(`--no-${name}`) ? `--no-${name}` : `${dashes}${name}`;
}

/** yargs' usage errors in kubectl's (pflag's) words, one error line each, each unknown flag named once as typed. */
function kubectlWording(msg: string, argv: readonly string[]): string[] {
  const unknown = /^Unknown arguments?: (.*)$/.exec(msg);
  if (unknown) {
    const names = [...new Set((unknown[1] ?? '').split(', ').filter((n) => n !== ''))];
    // yargs reports extra positionals the same way: only a word given with dashes is a flag.
    return names.map((n) => (argv.includes(n) ? `unexpected argument "${n}"` : `unknown flag: ${spelledFlag(n, argv)}`));
  }
  const missing = /^Not enough arguments following: (.*)$/.exec(msg);
  if (missing) return [`flag needs an argument: --${missing[1] ?? ''}`];
  return [msg];
}

/** Runs the plugin with the given arguments; returns the exit code instead of exiting, so tests can call it. */
export async function main(argv: readonly string[], raw: Streams, env: NodeJS.ProcessEnv): Promise<number> {
  // Everything written goes through the escaping streams; only the spinner gets the terminal itself.
  // `input` stays a getter: process.stdin costs every start ~20 internal modules (fs streams, readline) when touched.
  // The language and the colours come from the environment given, before anything is printed (yargs' help included).
  const language = languageFromEnv(env);
  const [, outPaint, errPaint] = await Promise.all([useLanguage(language), painterFor(raw.out, env), painterFor(raw.err, env)]);
  const streams: Streams = { out: new SafeWritable(raw.out, outPaint), err: new SafeWritable(raw.err, errPaint), interactive: raw.interactive, terminal: raw.terminal ?? raw.err, get input() { return raw.input; } };
  let exitCode: number = EXIT.ok;
  let failed = false;
  const write = (text: string): void => void streams.err.write(text);
  const errors = errorOutput(streams.err);
  // Like kubectl, a bare invocation shows the help instead of an error.
  let parser = addGlobalOptions(yargs(argv.length === 0 ? ['--help'] : [...argv]))
    // Never yargs' own guess from the environment: the language is the one chosen above, for every message.
    .locale(language === 'zh-CN' ? 'zh_CN' : 'en')
    .scriptName(PROGRAM)
    .usage(`${PROGRAM}: make UCloud UK8S image acceleration safe and effortless\n\nUsage: ${PROGRAM} COMMAND [flags]`)
    .strict()
    .demandCommand(1, 'a command is required')
    .recommendCommands()
    .help('help')
    .alias('help', 'h')
    .version(false)
    .exitProcess(false)
    // Flags are read by their kubectl names only: camel-case twins would make yargs name an unknown flag twice.
    .parserConfiguration({ 'camel-case-expansion': false })
    .wrap(Math.min(120, (raw.err as { columns?: number }).columns ?? 100))
    .epilog('Exit codes: 0 ok, 1 error, 3 refused because the image is in use (--force overrides), 4 timed out (the operation may still finish), 5 could not verify that nothing uses the image (part of the cluster could not be seen), 130/143 interrupted.')
    .fail((msg, err) => {
      if (failed) return;
      failed = true;
      if (err) {
        exitCode = reportError(err, errors);
        return;
      }
      const first = argv.find((a) => !a.startsWith('-'));
      const cmd = first !== undefined && KNOWN.has(first) ? first : undefined;
      if (first !== undefined && cmd === undefined && /^Did you mean/.test(msg)) {
        errors.error(`unknown command "${first}" for "${PROGRAM}"`);
        write(`${msg}\n`);
      } else {
        for (const line of kubectlWording(msg, argv)) errors.error(line);
      }
      write(`See '${PROGRAM}${cmd ? ` ${cmd}` : ''} --help' for usage.\n`);
      exitCode = EXIT.error;
    });
  // Import only the modules of commands the arguments name (usually one; a flag value that happens to be a command
  // name costs an import, nothing more). The others still register, with their description, for help and suggestions.
  if (language === 'zh-CN') parser = parser.updateStrings({ ...(await import('./yargs-zh.ts')).YARGS_ZH_CN });
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
          // --timeout bounds the whole command, its first call included (validate() has checked the value).
          const timeout = str(args, 'timeout');
          if (timeout !== undefined) ctx.limitTo(parseDuration(timeout));
          exitCode = await m.run(options, ctx);
        } catch (err) {
          failed = true;
          exitCode = reportError(ctx ? ctx.explainStop(err) : err, errors, ctx?.flags.verbosity ?? 0, ctx?.kube.serverUrl());
        }
      },
    });
  }
  try {
    await parser.parseAsync();
  } catch (err) {
    if (!failed) exitCode = reportError(err, errors);
  }
  return exitCode;
}

export async function cli(): Promise<void> {
  // Ctrl-C / SIGTERM: what is in progress says what it means (cmd/interrupt.ts), then exit 130 / 143 once written.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      interrupted(signal);
      const code = exitCodeOfSignal(signal);
      process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
    });
  }
  const interactive = Boolean(process.stderr.isTTY) && !process.env['CI'];
  const streams = { out: process.stdout, err: process.stderr, interactive, get input() { return process.stdin; } };
  const code = await main(process.argv.slice(2), streams, process.env);
  // Exit once the output is flushed: a request abandoned after a timeout must not keep the process alive.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}
