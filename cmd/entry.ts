import { enableCompileCache } from 'node:module';

// V8's compiled code is cached on disk between runs: start-up then costs a fraction of parsing the bundle afresh.
enableCompileCache?.();
// `kubectl-uimgacc __complete ARGS… WORD` is the completion entry, as in the single executable (whose release archive
// wraps it as kubectl_complete-uimgacc); it never loads the command line.
if (process.argv[2] === '__complete') {
  const { runCompletion } = await import('./completion.ts');
  await runCompletion(process.argv.slice(3));
} else {
  const { cli } = await import('./main.ts');
  await cli();
}
