// The plugin's messages in the user's language, as kubectl's i18n.T: English is the source (it ships in the code and
// is what lib/ and the helper speak when nobody chose a language); Simplified Chinese is a separate catalog, evaluated
// only when the locale asks for it. Messages are looked up by key, with named placeholders ({name}); English plural
// forms are written {n|one|other} and print the chosen word (Chinese has no plural and simply writes {n}).
// lib/ may call t(): the language is process-wide, chosen once by the entry point (cmd/main.ts, cmd/completion.ts).
import { en, type English } from './en/index.ts';
import type { Language } from './language.ts';

export { LANGUAGES, languageFromEnv, type Language } from './language.ts';
export type { English };
export type MessageKey = keyof English;

/** The names of the placeholders in a message: {name} and {name|one|other}. */
export type Placeholders<S extends string> = S extends `${string}{${infer P}}${infer Rest}` ? (P extends `${infer N}|${string}` ? N : P) | Placeholders<Rest> : never;

export type MessageParams<K extends MessageKey> = Record<Placeholders<English[K]>, string | number>;
type ParamsArg<K extends MessageKey> = [Placeholders<English[K]>] extends [never] ? [] : [MessageParams<K>];

/** A translation: every English key, a string each (placeholders are checked by test/unit/i18n.test.ts). */
export type Translation<E> = { readonly [K in keyof E]: string };

/** A language's messages by area, each area a translation of the English one (a key is `area.what`). */
export type Catalog = { readonly [A in keyof typeof en]: Translation<(typeof en)[A]> };

/** The message of `key` in a catalog: in the object of the area its key begins with. */
function lookUp(messages: Catalog, key: MessageKey): string | undefined {
  const area = messages[key.slice(0, key.indexOf('.')) as keyof Catalog] as Readonly<Record<string, string>> | undefined;
  return area?.[key];
}

/** Every message of a catalog by its key (tests and build checks; a start looks messages up by area). */
export function allMessages(messages: Catalog): Readonly<Record<string, string>> {
  return Object.assign({}, ...Object.values(messages)) as Record<string, string>;
}

let language: Language = 'en';
let catalog: Catalog = en;

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
  return format(lookUp(catalog, key) ?? lookUp(en, key) ?? key, params[0]);
}

/** The message `key` in English whatever the language: for logs and anything a script parses. */
export function tEnglish<K extends MessageKey>(key: K, ...params: ParamsArg<K>): string {
  return format(lookUp(en, key) ?? key, params[0]);
}
