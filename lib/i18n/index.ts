// The plugin's messages in the user's language, as kubectl's i18n.T: English is the source (it ships in the code and
// is what lib/ and the helper speak when nobody chose a language); Simplified Chinese is a separate catalog, evaluated
// only when the locale asks for it. Messages are looked up by key, with named placeholders ({name}); English plural
// forms are written {n|one|other} and print the chosen word (Chinese has no plural and simply writes {n}).
// lib/ may call t(): the language is process-wide, chosen once by the entry point (cmd/main.ts, cmd/completion.ts).
import { en } from './en/index.ts';
import type { Language } from './language.ts';

export { LANGUAGES, languageFromEnv, type Language } from './language.ts';

export type English = typeof en;
export type MessageKey = keyof English;

/** The names of the placeholders in a message: {name} and {name|one|other}. */
export type Placeholders<S extends string> = S extends `${string}{${infer P}}${infer Rest}` ? (P extends `${infer N}|${string}` ? N : P) | Placeholders<Rest> : never;

export type MessageParams<K extends MessageKey> = Record<Placeholders<English[K]>, string | number>;
type ParamsArg<K extends MessageKey> = [Placeholders<English[K]>] extends [never] ? [] : [MessageParams<K>];

/** A translation: every English key, a string each (placeholders are checked by test/unit/i18n.test.ts). */
export type Translation<E> = { readonly [K in keyof E]: string };

let language: Language = 'en';
let catalog: Readonly<Record<string, string>> = en;

/** Loads (the first time) and selects a language for every following t(). */
export async function useLanguage(lang: Language): Promise<void> {
  catalog = lang === 'zh-CN' ? (await import('./zh-CN/index.ts')).zhCN : en;
  language = lang;
}

export function currentLanguage(): Language {
  return language;
}

/** Fills {name} and {name|one|other} in a message text. */
export function format(text: string, params: Readonly<Record<string, string | number>> = {}): string {
  return text.replace(/\{(\w+)(?:\|([^|{}]*)\|([^|{}]*))?\}/g, (whole, name: string, one: string | undefined, other: string | undefined) => {
    const value = params[name];
    if (value === undefined) return whole;
    if (one === undefined || other === undefined) return String(value);
    return Number(value) === 1 ? one : other;
  });
}

/** The message `key` in the current language, placeholders filled. */
export function t<K extends MessageKey>(key: K, ...params: ParamsArg<K>): string {
  return format(catalog[key] ?? en[key], params[0]);
}

/** The message `key` in English whatever the language: for logs and anything a script parses. */
export function tEnglish<K extends MessageKey>(key: K, ...params: ParamsArg<K>): string {
  return format(en[key], params[0]);
}
