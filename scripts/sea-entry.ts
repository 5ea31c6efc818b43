// Main script of the single executable (Node SEA). It is kept tiny, because V8 compiles it at every start, and it
// picks the one program the start needs (scripts/sea-assets.ts):
// - invoked as `kubectl_complete-uimgacc` (a copy or link) or with the hidden first argument `__complete` (what the
//   wrapper in the release archives runs): the completion program;
// - `--help`, `version --client` and the like, when nothing but the arguments and the language decides what they print
//   (no colour and stderr no terminal, or an output the same at any terminal): the output rendered at build time,
//   written as is — no program evaluated at all;
// - anything else: the command line program.
// A V8 start-up snapshot of the command line was measured and given up: deserializing its heap cost every start
// (completion included) more than compiling from a code cache costs the commands that need the program.
import { basename } from 'node:path';
import { writeFd } from '../cmd/write-fd.ts';
import { mayBePrerendered, prerenderedOutput } from '../cmd/prerendered.ts';
import { ASSET, loadProgram, prerendered } from './sea-assets.ts';
import type * as CliProgram from './sea-cli.ts';
import type * as CompletionProgram from './sea-complete.ts';

const COMPLETION_NAME = 'kubectl_complete-uimgacc';

function start(): void {
  const invokedAs = [process.argv0, process.execPath].map((p) => basename(p).replace(/\.exe$/i, ''));
  const args = process.argv.slice(2);
  const completion = invokedAs.includes(COMPLETION_NAME) ? args : args[0] === '__complete' ? args.slice(1) : undefined;
  if (completion) {
    void (loadProgram(ASSET.completion) as typeof CompletionProgram).runCompletion(completion);
    return;
  }
  // The table is read and parsed only for the arguments it can hold.
  const output = mayBePrerendered(args) ? prerenderedOutput(prerendered(), args, process.env, (fd) => process.getBuiltinModule('node:tty').isatty(fd)) : undefined;
  if (output) {
    writeFd(1, output.stdout);
    writeFd(2, output.stderr);
    process.exitCode = output.code;
    return;
  }
  void (loadProgram(ASSET.cli) as typeof CliProgram).cli();
}

start();
