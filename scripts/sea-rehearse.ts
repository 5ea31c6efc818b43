// Build time, in a process of its own (scripts/package.ts runs it with the target's Node and an empty environment):
// evaluates a program of the single executable as the executable does (scripts/sea-assets.ts), calls the build-time
// functions it exports, and writes their results and, when asked, the program's V8 code cache.
//
//   node scripts/sea-rehearse.ts PROGRAM.cjs RESULT.json STEP...    STEP: NAME[:ARG] (call an export) or `cache`
//
// The code cache holds every function compiled so far: the steps before `cache` decide what a start finds compiled,
// and those after it (another language's prerendering) stay out of what every start deserializes.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Script } from 'node:vm';
import { cacheAsset, runProgram, wrapProgram } from './sea-assets.ts';

const [program, result, ...steps] = process.argv.slice(2);
if (program === undefined || result === undefined) throw new Error('usage: sea-rehearse.ts PROGRAM.cjs RESULT.json STEP...');
const script = new Script(wrapProgram(readFileSync(program, 'utf8')), { filename: basename(program) });
const exports = runProgram(script, program) as Record<string, ((arg?: string) => Promise<unknown>) | undefined>;
const results: Record<string, unknown> = {};
for (const step of steps) {
  if (step === 'cache') {
    writeFileSync(cacheAsset(program), script.createCachedData());
    continue;
  }
  const [name = '', arg] = step.split(':');
  const fn = exports[name];
  if (typeof fn !== 'function') throw new Error(`${basename(program)} exports no function ${name}`);
  results[step] = await fn(arg);
}
writeFileSync(result, JSON.stringify(results));
// A rehearsed request abandoned at its timeout must not keep the build waiting.
process.exit(0);
