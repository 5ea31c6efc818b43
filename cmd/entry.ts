import { cli } from './main.ts';

await cli();
