// English messages, one module per area of the plugin (the same areas as ../zh-CN/). Keys are `area.what`, and a
// message is looked up in its area's object (lib/i18n/index.ts): the areas are not merged into one object, which a
// start paid for in full — ~700 properties copied one by one into an object literal, each a new hidden class: ~5% of
// the instructions of the single executable's `status` (bench/results/startup.md).
import common from './common.ts';
import cli from './cli.ts';
import view from './view.ts';
import operation from './operation.ts';
import workload from './workload.ts';
import setup from './setup.ts';
import ucloud from './ucloud.ts';

export const en = { common, cli, view, operation, workload, setup, ucloud } as const;

/** Every English message by its key. */
export type English = typeof common & typeof cli & typeof view & typeof operation & typeof workload & typeof setup & typeof ucloud;
