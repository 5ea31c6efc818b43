// `kubectl_complete-uimgacc`: kubectl ≥ 1.26 runs it with the plugin's arguments and the word being completed.
import { enableCompileCache } from 'node:module';
import { runCompletion } from './completion.ts';

enableCompileCache?.();
await runCompletion(process.argv.slice(2));
