// `npm run bench`: every benchmark in turn, each comparing against a baseline measured in the same run.
// Results go to stdout and bench/results/. Not part of `npm test`. `npm run bench -- NAME ...` runs only those named.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';

const runs: [string, string[]][] = [
  ['scan', ['bench/scan.ts', ...(process.env['BENCH_SCAN_SIZES'] ?? '1000 5000 10000').split(' ')]],
  ['webhook', ['bench/webhook.ts', process.env['BENCH_WEBHOOK_SECONDS'] ?? '10', process.env['BENCH_WEBHOOK_CONCURRENCY'] ?? '16']],
  ['scan-memory', ['bench/scan-memory.ts', ...(process.env['BENCH_SCAN_MEMORY_SIZES'] ?? '1000 5000 10000 20000').split(' ')]],
  ['startup', ['bench/startup.ts']],
  ['nodes', ['bench/nodes.ts', process.env['BENCH_NODES'] ?? '5000', process.env['BENCH_NODES_SECONDS'] ?? '40', process.env['BENCH_NODES_POLL'] ?? '2s']],
  // 1,000 kwok nodes and 20,000 Pods through the real scheduler: the longest (about 15 minutes on 2 cores); sizes in its header.
  ['placement', ['bench/placement.ts']],
];
mkdirSync('bench/results', { recursive: true });
const only = process.argv.slice(2);
let failed = false;
for (const [name, args] of runs) {
  if (!existsSync(args[0] as string) || (only.length > 0 && !only.includes(name))) continue;
  process.stderr.write(`\n== ${name}\n`);
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  process.stdout.write(r.stdout);
  if (r.status === 0) writeFileSync(`bench/results/${name}.md`, r.stdout);
  else failed = true;
}
process.exitCode = failed ? 1 : 0;
