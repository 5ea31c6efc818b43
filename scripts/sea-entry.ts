// Entry of the single executable (Node SEA, one CommonJS bundle). The same binary serves as the completion executable
// when invoked as `kubectl_complete-uimgacc` (a copy or link) or with the hidden first argument `__complete` (what the
// tiny wrapper in the release archives runs).
//
// Where the executable carries a V8 start-up snapshot (scripts/package.ts decides per platform), this script runs once,
// at build time: it evaluates the command line — yargs, the command table and every command module, the configuration
// and kubeconfig code with js-yaml, the UCloud client — and rehearses the quick commands so that their functions are
// compiled, all into the heap that the snapshot captures; start() is the deserialize main function. Each start then
// deserializes that heap instead of evaluating and compiling the bundle. Nothing evaluated at build time may read the
// environment, the arguments or the terminal (recordProcessReads checks it and fails the build): start() reads them,
// at run time, and passes them on. Without a snapshot (executables built for another platform) start() runs directly,
// and completion still never evaluates yargs.
import { basename } from 'node:path';
import { Writable } from 'node:stream';
import { startupSnapshot } from 'node:v8';
import { recordProcessReads } from './snapshot-guard.ts';

const COMPLETION_NAME = 'kubectl_complete-uimgacc';

function start(): void {
  const invokedAs = [process.argv0, process.execPath].map((p) => basename(p).replace(/\.exe$/i, ''));
  const args = process.argv.slice(2);
  if (invokedAs.includes(COMPLETION_NAME)) void import('../cmd/completion.ts').then((m) => m.runCompletion(args));
  else if (args[0] === '__complete') void import('../cmd/completion.ts').then((m) => m.runCompletion(args.slice(1)));
  else void import('../cmd/main.ts').then((m) => m.cli());
}

// yargs compares this with the Node version it runs on when it is evaluated; a snapshot only ever runs on the Node
// that built it, so nothing is lost by reading it at build time.
const ALLOWED_ENV = new Set(['YARGS_MIN_NODE_VERSION']);

/** Every module a start may need, except the Kubernetes client (a SEA asset compiled on first use). */
async function evaluateModules(): Promise<void> {
  const [{ COMMANDS }] = await Promise.all([
    import('../cmd/commands/index.ts'),
    import('../cmd/main.ts'),
    import('../cmd/completion.ts'),
    import('../cmd/context.ts'),
    import('../lib/ucloud/client.ts'),
    import('../lib/ucloud/acceleration.ts'),
  ]);
  await Promise.all(COMMANDS.map((c) => c.load()));
}

/**
 * Runs `--help`, `version --client` (plain and -o json), a usage error and a completion once, output discarded, in an
 * empty environment: V8 compiles functions on first call, and compiled functions are kept in the snapshot.
 */
async function rehearse(): Promise<void> {
  const [{ main }, { complete }] = await Promise.all([import('../cmd/main.ts'), import('../cmd/completion.ts')]);
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  const streams = { out: discard, err: discard, interactive: false };
  const env = process.env;
  // yargs prints help with console.log.
  const { log, error } = console;
  process.env = {};
  console.log = console.error = () => undefined;
  try {
    for (const argv of [['--help'], ['version', '--client'], ['version', '--client', '-o', 'json'], ['no-such-command']]) await main(argv, streams, {});
    await complete(['patch', '--d']);
  } finally {
    process.env = env;
    Object.assign(console, { log, error });
  }
}

async function buildSnapshot(): Promise<void> {
  const trace = Boolean(process.env['UIMGACC_SNAPSHOT_TRACE']);
  const reads = await recordProcessReads(evaluateModules, ALLOWED_ENV, trace);
  if (reads.length > 0) throw new Error(`modules read ${reads.join(', ')} when evaluated for the start-up snapshot: read it at run time (UIMGACC_SNAPSHOT_TRACE=1 shows where)`);
  await rehearse();
}

if (startupSnapshot.isBuildingSnapshot()) {
  startupSnapshot.setDeserializeMainFunction(start);
  buildSnapshot().catch((err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
} else {
  start();
}
