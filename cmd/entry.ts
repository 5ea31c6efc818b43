import { readFileSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { isatty } from 'node:tty';
import { HELP, prerenderedOutput, prerenderKey, type PrerenderedTable, type Rendered } from './prerendered.ts';
import { writeFd } from './write-fd.ts';

// V8's compiled code is cached on disk between runs: start-up then costs a fraction of parsing the bundle afresh.
enableCompileCache?.();
// `kubectl-uimgacc __complete ARGS… WORD` is the completion entry, as in the single executable (whose release archive
// wraps it as kubectl_complete-uimgacc); it never loads the command line.
if (process.argv[2] === '__complete') {
  const { runCompletion } = await import('./completion.ts');
  await runCompletion(process.argv.slice(3));
} else {
  const help = prerenderedHelp(process.argv.slice(2));
  if (help) {
    writeFd(1, help.stdout);
    writeFd(2, help.stderr);
    process.exitCode = help.code;
  } else {
    const { cli } = await import('./main.ts');
    await cli();
  }
}

/** `--help` as rendered when the package was built (scripts/build.ts), if it is what the command line would print now. */
function prerenderedHelp(args: readonly string[]): Rendered | undefined {
  if (!HELP.some((a) => prerenderKey(a) === prerenderKey(args))) return undefined;
  let table: PrerenderedTable;
  try {
    table = JSON.parse(readFileSync(new URL('./prerendered.json', import.meta.url), 'utf8')) as PrerenderedTable;
  } catch {
    // Run from source, or a build without it: the command line renders the help.
    return undefined;
  }
  return prerenderedOutput(table, args, process.env, (fd) => isatty(fd));
}
