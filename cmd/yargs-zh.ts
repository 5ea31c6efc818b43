// yargs' own words in Simplified Chinese: its built-in zh_CN locale (yargs/locales/zh_CN.json, which the package does
// not export and the bundle cannot read from disk), less the usage errors that cmd/main.ts words itself in kubectl's
// terms: those stay in yargs' English so that main.ts recognises them, and are translated from our catalog there.
export const YARGS_ZH_CN: Readonly<Record<string, string>> = {
  'Commands:': '命令：',
  'Options:': '选项：',
  'Examples:': '示例：',
  boolean: '布尔',
  count: '计数',
  string: '字符串',
  number: '数字',
  array: '数组',
  required: '必需',
  default: '默认值',
  'default:': '默认值:',
  'choices:': '可选值:',
  'generated-value': '生成的值',
  'Invalid values:': '无效的选项值：',
  'Argument: %s, Given: %s, Choices: %s': '选项名称: %s, 传入的值: %s, 可选的值：%s',
  'Argument check failed: %s': '选项值验证失败：%s',
  'Implications failed:': '缺少依赖的选项：',
  'Show help': '显示帮助信息',
  'Show version number': '显示版本号',
  'Arguments %s and %s are mutually exclusive': '选项 %s 和 %s 是互斥的',
  'Positionals:': '位置参数：',
  command: '命令',
  // Not in yargs' zh_CN locale; UCloud's and kubectl's Chinese words.
  'aliases:': '别名:',
  deprecated: '已弃用',
  'deprecated: %s': '已弃用：%s',
};
