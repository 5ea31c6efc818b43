import { enableCompileCache } from 'node:module';

// V8's compiled code is cached on disk between runs: start-up then costs a fraction of parsing the bundle afresh.
enableCompileCache?.();
const { cli } = await import('./main.ts');
await cli();
