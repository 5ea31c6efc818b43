// Which language a start speaks, decided from the environment alone: kept apart from the catalog so that the single
// executable's main script (scripts/sea-entry.ts), which only chooses between outputs rendered at build time, does
// not carry and evaluate the English messages at every start.
export const LANGUAGES = ['en', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];

/**
 * The language of messages from the environment, in POSIX order (as kubectl): the first of LC_ALL, LC_MESSAGES, LANG
 * that is set and not empty decides; zh_CN, zh_SG and plain zh (any encoding or modifier) mean Simplified Chinese;
 * C, POSIX and everything else English. zh_TW/zh_HK are Traditional Chinese, which we do not ship: English.
 */
export function languageFromEnv(env: Readonly<Record<string, string | undefined>>): Language {
  const value = [env['LC_ALL'], env['LC_MESSAGES'], env['LANG']].find((v) => v !== undefined && v !== '');
  if (value === undefined) return 'en';
  const tag = (value.split(/[.@]/)[0] ?? '').replace('-', '_').toLowerCase();
  return tag === 'zh' || tag === 'zh_cn' || tag === 'zh_sg' || tag === 'zh_hans' || tag.startsWith('zh_hans_') ? 'zh-CN' : 'en';
}
