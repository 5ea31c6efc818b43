// The completion program of the single executable (scripts/sea-assets.ts): `kubectl_complete-uimgacc`, without yargs.
import { complete, formatCompletion } from '../cmd/completion.ts';
import { languageFromEnv, useLanguage } from '../lib/i18n/index.ts';

export { runCompletion } from '../cmd/completion.ts';

/**
 * Build time: completes a few words with the static tables (no cluster, no UCloud), so that the functions a TAB runs
 * are compiled into the program's code cache.
 */
export async function rehearse(): Promise<void> {
  await useLanguage(languageFromEnv({}));
  for (const words of [['patch', '--d'], [''], ['delete', '-'], ['status', '-o', '']]) formatCompletion(await complete(words));
}
