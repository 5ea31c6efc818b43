// Entry of the single executable (Node SEA, one CommonJS bundle). The same binary serves as the completion executable
// when invoked as `kubectl_complete-uimgacc` (a copy or link) or with the hidden first argument `__complete` (what the
// tiny wrapper in the release archives runs). Completion must not pay for yargs or the Kubernetes client, so the
// command line is imported only when needed (esbuild keeps a lazily imported module's initialisation lazy).
import { basename } from 'node:path';
import { runCompletion } from '../cmd/completion.ts';

const COMPLETION_NAME = 'kubectl_complete-uimgacc';
const invokedAs = [process.argv0, process.execPath].map((p) => basename(p).replace(/\.exe$/i, ''));
const args = process.argv.slice(2);

if (invokedAs.includes(COMPLETION_NAME)) void runCompletion(args);
else if (args[0] === '__complete') void runCompletion(args.slice(1));
else void import('../cmd/main.ts').then((m) => m.cli());
