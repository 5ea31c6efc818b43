import yargs, { type Argv } from 'yargs';
import type { Args } from './args.ts';
import { bool, str, strings } from './args.ts';
import type { Context, GlobalFlags, Streams } from './context.ts';
import { EXIT, errorOutput, reportError } from './errors.ts';
import { SafeWritable } from './safe-text.ts';
import { painterFor } from './colour.ts';
import { languageFromEnv, t, useLanguage } from '../lib/i18n/index.ts';
import { exitCodeOfSignal, interrupted } from './interrupt.ts';
import { invalid } from '../lib/errors.ts';
import { parseDuration } from '../lib/duration.ts';
import { COMMANDS, type CommandEntry, type CommandModule } from './commands/index.ts';

export const PROGRAM = 'kubectl uimgacc';

const KNOWN = new Set(COMMANDS.flatMap((e) => [e.name, ...e.aliases]));

function parseVerbosity(value: string | undefined): number {
  if (value === undefined) return 0;
  if (value === '' || value === 'true') return 1;
  if (!/^\d+$/.test(value)) throw invalid(t('cli.invalidVerbosity', { value }));
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

// Descriptions are looked up when the parser is built (at run time, in the chosen language), never at module load.
function addGlobalOptions(y: Argv): Argv {
  const group = t('cli.group.kubernetes');
  const ucloud = t('cli.group.ucloud');
  return y
    .option('kubeconfig', { type: 'string', group, describe: t('cli.flag.kubeconfig') })
    .option('context', { type: 'string', group, describe: t('cli.flag.context') })
    .option('cluster', { type: 'string', group, describe: t('cli.flag.cluster') })
    .option('user', { type: 'string', group, describe: t('cli.flag.user') })
    .option('namespace', { alias: 'n', type: 'string', group, describe: t('cli.flag.namespace') })
    .option('request-timeout', { type: 'string', group, describe: t('cli.flag.requestTimeout') })
    .option('server', { alias: 's', type: 'string', group, describe: t('cli.flag.server') })
    .option('certificate-authority', { type: 'string', group, describe: t('cli.flag.certificateAuthority') })
    .option('insecure-skip-tls-verify', { type: 'boolean', group, describe: t('cli.flag.insecureSkipTlsVerify') })
    .option('tls-server-name', { type: 'string', group, describe: t('cli.flag.tlsServerName') })
    .option('token', { type: 'string', group, describe: t('cli.flag.token') })
    .option('as', { type: 'string', group, describe: t('cli.flag.as') })
    .option('as-group', { type: 'string', array: true, group, describe: t('cli.flag.asGroup') })
    .option('as-uid', { type: 'string', group, describe: t('cli.flag.asUid') })
    .option('cluster-id', { type: 'string', group: ucloud, describe: t('cli.flag.clusterId') })
    .option('region', { type: 'string', group: ucloud, describe: t('cli.flag.region') })
    .option('project-id', { type: 'string', group: ucloud, describe: t('cli.flag.projectId') })
    .option('api-endpoint', { type: 'string', group: ucloud, describe: t('cli.flag.apiEndpoint') })
    .option('credentials-secret', { type: 'string', group: ucloud, describe: t('cli.flag.credentialsSecret') })
    .option('profile', { type: 'string', group: ucloud, describe: t('cli.flag.profile') })
    .option('v', { type: 'string', describe: t('cli.flag.v') })
    .option('poll-interval', { type: 'string', hidden: true })
    .option('read-failure-limit', { type: 'string', hidden: true });
}

/** How the user spelled an unknown flag yargs names `name`: yargs reads `--no-x` as "x, negated" and names it `x`. */
function spelledFlag(name: string, argv: readonly string[]): string {
  const dashes = name.length === 1 ? '-' : '--';
  const given = (flag: string): boolean => argv.some((a) => a === flag || a.startsWith(`${flag}=`));
  return !given(`${dashes}${name}`) && given(`--no-${name}`) ? `--no-${name}` : `${dashes}${name}`;
}

/**
 * yargs' usage errors in kubectl's (pflag's) words and the user's language, each unknown flag named once with its
 * dashes as typed. yargs keeps these messages in English in every language (cmd/yargs-zh.ts) so that they are
 * recognised here.
 */
function kubectlWording(msg: string, argv: readonly string[]): string[] {
  const unknown = /^Unknown arguments?: (.*)$/.exec(msg);
  if (unknown) {
    const names = [...new Set((unknown[1] ?? '').split(', ').filter((n) => n !== ''))];
    // yargs reports extra positionals the same way: only a word given with dashes is a flag.
    return names.map((n) => (argv.includes(n) ? t('cli.unexpectedArgument', { argument: n }) : t('cli.unknownFlag', { flag: spelledFlag(n, argv) })));
  }
  const missing = /^Not enough arguments following: (.*)$/.exec(msg);
  if (missing) return [t('cli.flagNeedsArgument', { flag: missing[1] ?? '' })];
  return [msg];
}

/**
 * The usage errors kubectlWording recognises, kept in yargs' English in every language: where yargs can read its own
 * zh_CN locale from disk (running from source; the bundle cannot), it would otherwise translate them first. yargs
 * takes a plural entry as { one, other } although its types declare strings only.
 */
const RECOGNISED = {
  'Unknown argument: %s': { one: 'Unknown argument: %s', other: 'Unknown arguments: %s' },
  'Not enough arguments following: %s': 'Not enough arguments following: %s',
  'Did you mean %s?': 'Did you mean %s?',
} as unknown as Readonly<Record<string, string>>;

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
  const errors = errorOutput(streams.err);
  // Like kubectl, a bare invocation shows the help instead of an error.
  let parser = addGlobalOptions(yargs(argv.length === 0 ? ['--help'] : [...argv]))
    // Never yargs' own guess from the environment: the language is the one chosen above, for every message.
    .locale(language === 'zh-CN' ? 'zh_CN' : 'en')
    .scriptName(PROGRAM)
    .usage(t('cli.usage', { program: PROGRAM }))
    .strict()
    .demandCommand(1, t('cli.commandRequired'))
    .recommendCommands()
    .help('help')
    .alias('help', 'h')
    .version(false)
    .exitProcess(false)
    // Flags are read by their kubectl names only: camel-case twins would make yargs name an unknown flag twice.
    .parserConfiguration({ 'camel-case-expansion': false })
    .wrap(Math.min(120, (raw.err as { columns?: number }).columns ?? 100))
    .epilog(t('cli.epilog'))
    .fail((msg, err) => {
      if (failed) return;
      failed = true;
      if (err) {
        exitCode = reportError(err, errors);
        return;
      }
      const first = argv.find((a) => !a.startsWith('-'));
      const cmd = first !== undefined && KNOWN.has(first) ? first : undefined;
      const suggestion = /^Did you mean (.*)\?$/.exec(msg);
      if (first !== undefined && cmd === undefined && suggestion) {
        errors.error(t('cli.unknownCommand', { command: first, program: PROGRAM }));
        errors.line(t('cli.didYouMean', { command: suggestion[1] ?? '' }));
      } else {
        for (const line of kubectlWording(msg, argv)) errors.error(line);
      }
      errors.line(t('cli.seeHelp', { command: `${PROGRAM}${cmd ? ` ${cmd}` : ''}` }));
      exitCode = EXIT.error;
    });
  if (language === 'zh-CN') parser = parser.updateStrings({ ...(await import('./yargs-zh.ts')).YARGS_ZH_CN, ...RECOGNISED });
  // Import only the modules of commands the arguments name (usually one; a flag value that happens to be a command
  // name costs an import, nothing more). The others still register, with their description, for help and suggestions.
  const loaded = new Map<CommandEntry, CommandModule<unknown>>(
    await Promise.all(COMMANDS.filter((e) => argv.includes(e.name) || e.aliases.some((a) => argv.includes(a))).map(async (e) => [e, await e.load()] as const)),
  );
  for (const e of COMMANDS) {
    parser = parser.command({
      command: e.command,
      aliases: [...e.aliases],
      describe: t(e.describe),
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
