import { readFileSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import type { PrerenderedTable, Rendered } from './prerendered.ts';

// V8's compiled code is cached on disk between runs: start-up then costs a fraction of parsing the bundle afresh.
enableCompileCache?.();
// `kubectl-uimgacc __complete ARGS… WORD` is the completion entry, as in the single executable (whose release archive
// wraps it as kubectl_complete-uimgacc); it never loads the command line.
if (process.argv[2] === '__complete') {
  const { runCompletion } = await import('./completion.ts');
  await runCompletion(process.argv.slice(3));
} else {
  // Only a start with at most one argument (a help) or `version` can have a prerendered output (cmd/prerendered.ts):
  // the others do not load that module.
  const help = process.argv.length <= 3 || process.argv[2] === 'version' ? await prerendered(process.argv.slice(2)) : undefined;
  if (help) {
    const { writeFd } = await import('./write-fd.ts');
    writeFd(1, help.stdout);
    writeFd(2, help.stderr);
    process.exitCode = help.code;
  } else {
    const { cli } = await import('./main.ts');
    await cli();
  }
}

/**
 * `--help` or `version --client` as rendered when the package was built (scripts/build.ts; version's Node filled in
 * now), if it is what the command line would print now.
 */
async function prerendered(args: readonly string[]): Promise<Rendered | undefined> {
  const { mayBePrerendered, prerenderedOutput } = await import('./prerendered.ts');
  if (!mayBePrerendered(args)) return undefined;
  let table: PrerenderedTable;
  try {
    table = JSON.parse(readFileSync(new URL('./prerendered.json', import.meta.url), 'utf8')) as PrerenderedTable;
  } catch {
    // Run from source, or a build without it: the command line renders it.
    return undefined;
  }
  return prerenderedOutput(table, args, process.env, (fd) => process.getBuiltinModule('node:tty').isatty(fd));
}
