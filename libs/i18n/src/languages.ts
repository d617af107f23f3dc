/** The languages we ship texts in; anything else is answered in English. */
export const supportedLanguages = ['en', 'de', 'fr', 'es', 'ja'] as const;
export type Language = (typeof supportedLanguages)[number];
export const fallbackLanguage: Language = 'en';

const isSupported = (value: string): value is Language =>
  (supportedLanguages as readonly string[]).includes(value);

/** The supported language of its primary subtag, if any: `de-AT` and `de_CH` are `de`, `pt-BR` is none. */
export function supportedLanguageOf(tag: string | null | undefined): Language | undefined {
  if (typeof tag !== 'string') return undefined;
  const primary = tag.trim().split(/[-_]/)[0]?.toLowerCase() ?? '';
  return isSupported(primary) ? primary : undefined;
}

/**
 * The language a person reads: their choice (`PUT /v1/me/preferences {language}`) when they made
 * one, else their Google account's locale; English when that one is not supported. A choice of
 * an unsupported language is not overruled by the Google locale: the person asked for it, and
 * English is the closer answer than a language they turned away from.
 */
export function userLanguage(input: { preference?: string | null; locale?: string | null }): Language {
  const chosen = input.preference ? input.preference : input.locale;
  return supportedLanguageOf(chosen) ?? fallbackLanguage;
}

/**
 * The first supported language of an Accept-Language header by its weights (`q`), ties in the
 * header's order; undefined when it names none (or is missing).
 */
export function languageFromAcceptLanguage(header: string | null | undefined): Language | undefined {
  if (typeof header !== 'string' || header.length > 1024) return undefined;
  const ranges = header
    .split(',')
    .map((part, index) => {
      const [range = '', ...parameters] = part.split(';').map((piece) => piece.trim());
      const q = parameters.find((parameter) => /^q=/i.test(parameter));
      const weight = q === undefined ? 1 : Number(q.slice(2));
      return { range, weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((entry) => entry.range !== '' && entry.range !== '*' && entry.weight > 0)
    .sort((left, right) => right.weight - left.weight || left.index - right.index);
  for (const { range } of ranges) {
    const language = supportedLanguageOf(range);
    if (language) return language;
  }
  return undefined;
}
