// The command table. Only names and descriptions live here, so that the top-level `--help` and "did you mean" need
// no command module: main.ts imports a command's module (and with it the Kubernetes client, the UCloud client,
// tables…) only when the arguments name that command.
import type { Argv } from 'yargs';
import type { Args } from '../args.ts';
import type { Context } from '../context.ts';
import type { StatusOptions } from './status.ts';
import type { ListOptions } from './list.ts';
import type { CreateOptions } from './create.ts';
import type { DeleteOptions } from './delete.ts';
import type { EnableOptions } from './enable.ts';
import type { DisableOptions } from './disable.ts';
import type { ConfigureOptions } from './configure.ts';
import type { DoctorOptions } from './doctor.ts';
import type { WhoUsesOptions } from './who-uses.ts';
import type { PatchOptions } from './patch.ts';
import type { UnpatchOptions } from './unpatch.ts';
import type { VersionOptions } from './version.ts';
import type { CompletionOptions } from './completion.ts';
import type { MessageKey } from '../../lib/i18n/index.ts';

export type CommandDescription = Extract<MessageKey, `cli.command.${string}`>;

/** One file per command, kubectl style: yargs spec, pure validate(), and run() with injected context. */
export interface CommandModule<O> {
  builder(y: Argv): Argv;
  validate(args: Args): O;
  run(options: O, ctx: Context): Promise<number>;
}

export interface CommandEntry {
  /** yargs command string: the name, then positionals. */
  readonly command: string;
  readonly name: string;
  readonly aliases: readonly string[];
  /** The catalog key of the description: the table is built at module load, the language is chosen at run time. */
  readonly describe: CommandDescription;
  load(): Promise<CommandModule<unknown>>;
}

// The type parameter ties validate()'s result to run()'s argument, so a module that drifts from the shape fails to compile.
function entry<O>(command: string, aliases: readonly string[], describe: CommandDescription, load: () => Promise<CommandModule<O>>): CommandEntry {
  return { command, name: command.split(' ')[0] ?? command, aliases, describe, load: load as () => Promise<CommandModule<unknown>> };
}

export const COMMANDS: readonly CommandEntry[] = [
  entry<StatusOptions>('status', ['get'], 'cli.command.status', () => import('./status.ts')),
  entry<ListOptions>('list', ['ls'], 'cli.command.list', () => import('./list.ts')),
  entry<CreateOptions>('create [IMAGE..]', [], 'cli.command.create', () => import('./create.ts')),
  entry<DeleteOptions>('delete [IMAGE..]', ['rm'], 'cli.command.delete', () => import('./delete.ts')),
  entry<EnableOptions>('enable', [], 'cli.command.enable', () => import('./enable.ts')),
  entry<DisableOptions>('disable', [], 'cli.command.disable', () => import('./disable.ts')),
  entry<ConfigureOptions>('configure', [], 'cli.command.configure', () => import('./configure.ts')),
  entry<DoctorOptions>('doctor', [], 'cli.command.doctor', () => import('./doctor.ts')),
  entry<WhoUsesOptions>('who-uses [IMAGE]', ['usage'], 'cli.command.whoUses', () => import('./who-uses.ts')),
  entry<PatchOptions>('patch [TARGET..]', [], 'cli.command.patch', () => import('./patch.ts')),
  entry<UnpatchOptions>('unpatch [TARGET..]', [], 'cli.command.unpatch', () => import('./unpatch.ts')),
  entry<VersionOptions>('version', [], 'cli.command.version', () => import('./version.ts')),
  entry<CompletionOptions>('completion', [], 'cli.command.completion', () => import('./completion.ts')),
];
