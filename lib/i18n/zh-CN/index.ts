// 简体中文消息：与 ../en/ 同样的分区和键。术语见 ../GLOSSARY.md。
import type { Catalog } from '../index.ts';
import common from './common.ts';
import cli from './cli.ts';
import view from './view.ts';
import operation from './operation.ts';
import workload from './workload.ts';
import setup from './setup.ts';
import ucloud from './ucloud.ts';

export const zhCN = { common, cli, view, operation, workload, setup, ucloud } satisfies Catalog;
