// English messages, one module per area of the plugin (the same areas as ../zh-CN/). Keys are `area.what`.
import common from './common.ts';
import cli from './cli.ts';
import view from './view.ts';
import operation from './operation.ts';
import workload from './workload.ts';
import setup from './setup.ts';
import ucloud from './ucloud.ts';

export const en = { ...common, ...cli, ...view, ...operation, ...workload, ...setup, ...ucloud } as const;
