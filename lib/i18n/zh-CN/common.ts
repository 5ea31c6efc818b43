import type { Translation } from '../index.ts';
import type en from '../en/common.ts';

export default {
  'common.error': '错误：',
  'common.warning': '警告：',
  'common.listSeparator': '、',
  'common.itemError': '{item}：{message}',
  'common.itemNotStarted': '{item}：未开始：--timeout 已到',
} satisfies Translation<typeof en>;
