import type { Argv } from 'yargs';
import type { Args } from '../args.ts';
import type { Context } from '../context.ts';

export function builder(y: Argv): Argv {
  return y;
}

export type CompletionOptions = Record<string, never>;

export function validate(_args: Args): CompletionOptions {
  return {};
}

// kubectl completes plugin arguments by running `kubectl_complete-uimgacc` from PATH; krew links only the plugin
// itself, so the user creates that one-line executable once.
export const SETUP_TEXT = `kubectl (1.26 or newer) completes the arguments of \`kubectl uimgacc\` by running an executable named
kubectl_complete-uimgacc found on PATH. Your shell's kubectl completion must already be set up
(e.g. \`source <(kubectl completion bash)\`).

Installed with krew (~/.krew/bin is on PATH):

  cat > "\${KREW_ROOT:-$HOME/.krew}/bin/kubectl_complete-uimgacc" <<'SH'
  #!/bin/sh
  exec kubectl-uimgacc __complete "$@"
  SH
  chmod +x "\${KREW_ROOT:-$HOME/.krew}/bin/kubectl_complete-uimgacc"

Installed from a release archive: put kubectl_complete-uimgacc from the archive next to kubectl-uimgacc on PATH.
Installed with npm: kubectl_complete-uimgacc is installed next to kubectl-uimgacc.

Completed: commands, flags, -o/--dry-run values, namespaces and contexts, workloads for patch/unpatch (TYPE/NAME),
accelerated images for delete/who-uses (cached for 60 s in ~/.cache/kubectl-uimgacc/; a TAB never waits more than ~1 s).
`;

export function run(_o: CompletionOptions, ctx: Context): Promise<number> {
  ctx.out.write(SETUP_TEXT);
  return Promise.resolve(0);
}
