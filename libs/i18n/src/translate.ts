import i18next, { type i18n } from 'i18next';
import { de } from './resources/de.js';
import { en } from './resources/en.js';
import { es } from './resources/es.js';
import { fr } from './resources/fr.js';
import { ja } from './resources/ja.js';
import { fallbackLanguage, type Language, supportedLanguageOf, supportedLanguages } from './languages.js';
import type { MessageKey, Messages } from './messages.js';

/** Every language's texts, by language: the one place they live. */
export const resources: Readonly<Record<Language, Messages>> = { en, de, fr, es, ja };

export type MessageParams = Readonly<Record<string, string | number>>;

let instance: i18n | undefined;

/** One i18next instance for the process, initialised synchronously from the bundled resources. */
function translator(): i18n {
  if (instance) return instance;
  const created = i18next.createInstance();
  void created.init({
    resources: Object.fromEntries(
      Object.entries(resources).map(([language, messages]) => [language, { translation: messages }]),
    ),
    lng: fallbackLanguage,
    fallbackLng: fallbackLanguage,
    supportedLngs: [...supportedLanguages],
    initAsync: false,
    // Texts are plain; whoever writes them into HTML (the conference notes) escapes them there.
    interpolation: { escapeValue: false },
    returnNull: false,
    returnEmptyString: false,
  });
  instance = created;
  return created;
}

/**
 * The text of `key` in `language` (any BCP 47 tag, or none), its {{placeholders}} filled from
 * `params`. An unsupported or missing language is English; so is a key a language lacks.
 */
export function translate(
  language: string | null | undefined,
  key: MessageKey,
  params: MessageParams = {},
): string {
  const lng = supportedLanguageOf(language) ?? fallbackLanguage;
  return translator().t(key, { ...params, lng }) as string;
}

/** The text of `key` in every language (e.g. to recognise a text we wrote, whatever its language). */
export function allTranslations(key: MessageKey, params: MessageParams = {}): readonly string[] {
  return supportedLanguages.map((language) => translate(language, key, params));
}
