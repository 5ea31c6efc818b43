// The language is process-wide (lib/i18n): a unit test that needs Chinese selects it for the call and always goes
// back to English, the language every other test in the file asserts.
import { useLanguage } from '../../lib/i18n/index.ts';

/** Runs `fn` with Simplified Chinese selected, as `LANG=zh_CN.UTF-8` does for the plugin, and English again after. */
export async function inChinese<T>(fn: () => T | Promise<T>): Promise<T> {
  await useLanguage('zh-CN');
  try {
    return await fn();
  } finally {
    await useLanguage('en');
  }
}
