import type { Argv } from 'yargs';
import type { Args } from '../args.ts';
import type { Context } from '../context.ts';
import { t } from '../../lib/i18n/index.ts';

export function builder(y: Argv): Argv {
  return y;
}

export type CompletionOptions = Record<string, never>;

export function validate(_args: Args): CompletionOptions {
  return {};
}

// kubectl completes plugin arguments by running `kubectl_complete-uimgacc` from PATH; krew links only the plugin
// itself, so the user creates that one-line executable once.
/** The one-line executable, the same in every language (the explanation around it is translated). */
export const SETUP_SCRIPT = `  cat > "\${KREW_ROOT:-$HOME/.krew}/bin/kubectl_complete-uimgacc" <<'SH'
  #!/bin/sh
  exec kubectl-uimgacc __complete "$@"
  SH
  chmod +x "\${KREW_ROOT:-$HOME/.krew}/bin/kubectl_complete-uimgacc"
`;

export function run(_o: CompletionOptions, ctx: Context): Promise<number> {
  ctx.out.write(t('cli.completion.setup', { script: SETUP_SCRIPT }));
  return Promise.resolve(0);
}
