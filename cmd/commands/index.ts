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
  readonly describe: string;
  load(): Promise<CommandModule<unknown>>;
}

// The type parameter ties validate()'s result to run()'s argument, so a module that drifts from the shape fails to compile.
function entry<O>(command: string, aliases: readonly string[], describe: string, load: () => Promise<CommandModule<O>>): CommandEntry {
  return { command, name: command.split(' ')[0] ?? command, aliases, describe, load: load as () => Promise<CommandModule<unknown>> };
}

export const COMMANDS: readonly CommandEntry[] = [
  entry<StatusOptions>('status', ['get'], 'Show whether image acceleration is enabled, ready and busy, and what is accelerated', () => import('./status.ts')),
  entry<ListOptions>('list', ['ls'], 'List accelerated images (original image, target image, size, layers, status; -o wide adds exact size and how many containers use each)', () => import('./list.ts')),
  entry<CreateOptions>('create [IMAGE..]', [], 'Accelerate images: pre-load each ORIGINAL and publish its target (ORIGINAL=TARGET, default: tag + "-acc"), one after another; also -f FILE, --from TYPE/NAME', () => import('./create.ts')),
  entry<DeleteOptions>('delete [IMAGE..]', ['rm'], 'Delete the acceleration of each IMAGE (original or target image), one after another; refuses while anything uses a target image', () => import('./delete.ts')),
  entry<EnableOptions>('enable', [], 'Enable image acceleration on the cluster (UFS/NFS in the cluster\'s VPC plus a UHub account with push permission)', () => import('./enable.ts')),
  entry<DisableOptions>('disable', [], 'Disable image acceleration on the cluster; refuses while any target image is in use (every target image stops working)', () => import('./disable.ts')),
  entry<ConfigureOptions>('configure', [], 'Store the UCloud key pair (and UHub account, NFS address, subnet) in the cluster\'s credentials Secret and record the cluster ID in the kubeconfig context', () => import('./configure.ts')),
  entry<DoctorOptions>('doctor', [], 'Check everything image acceleration needs: cluster access, UCloud configuration and API, agent, labelled nodes, and the helper webhook', () => import('./doctor.ts')),
  entry<WhoUsesOptions>('who-uses [IMAGE]', ['usage'], 'List the Pods and workloads that use a target image (IMAGE, original or target), or every accelerated image', () => import('./who-uses.ts')),
  entry<PatchOptions>('patch [TARGET..]', [], 'Switch workloads to the target images of their Ready accelerations and pin them to nodes that can run them', () => import('./patch.ts')),
  entry<UnpatchOptions>('unpatch [TARGET..]', [], 'Undo `patch`: restore the original images and remove the node affinity it added', () => import('./unpatch.ts')),
  entry<VersionOptions>('version', [], 'Print the plugin version, commit and Node.js version, and the server version when a cluster is reachable', () => import('./version.ts')),
  entry<CompletionOptions>('completion', [], 'Explain how to set up shell completion for `kubectl uimgacc` (kubectl 1.26 or newer)', () => import('./completion.ts')),
];
