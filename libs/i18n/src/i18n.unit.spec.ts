import { describe, expect, it } from '@jest/globals';
import {
  allTranslations,
  languageFromAcceptLanguage,
  resources,
  supportedLanguageOf,
  supportedLanguages,
  translate,
  userLanguage,
} from './index.js';

type Tree = { readonly [key: string]: string | Tree };

/** Every key path with its text. */
function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const found = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = `${prefix}${key}`;
    if (typeof value === 'string') found.set(path, value);
    else for (const [inner, text] of leaves(value, `${path}.`)) found.set(inner, text);
  }
  return found;
}

const placeholders = (text: string) =>
  [...text.matchAll(/\{\{\s*([^}\s]+)\s*\}\}/g)].map((match) => match[1]).sort();

const english = leaves(resources.en as unknown as Tree);

describe('the resources', () => {
  it('ship English, German, French, Spanish and Japanese', () => {
    expect(Object.keys(resources).sort()).toEqual(['de', 'en', 'es', 'fr', 'ja']);
    expect([...supportedLanguages].sort()).toEqual(Object.keys(resources).sort());
  });

  it.each(supportedLanguages.filter((language) => language !== 'en'))(
    '%s has every English key, no other, each with the same placeholders and some text',
    (language) => {
      const texts = leaves(resources[language] as unknown as Tree);
      expect([...texts.keys()].sort()).toEqual([...english.keys()].sort());
      for (const [key, text] of texts) {
        expect({ key, placeholders: placeholders(text) }).toEqual({
          key,
          placeholders: placeholders(english.get(key)!),
        });
        expect(text.trim()).not.toBe('');
      }
    },
  );

  it('uses only {{name}} placeholders, never i18next nesting or formatting', () => {
    for (const language of supportedLanguages)
      for (const [key, text] of leaves(resources[language] as unknown as Tree)) {
        expect({ key, nesting: /\$t\(|\{\{[^}]*,/.test(text) }).toEqual({ key, nesting: false });
        expect({ key, unbalanced: text.split('{{').length !== text.split('}}').length }).toEqual({
          key,
          unbalanced: false,
        });
      }
  });
});

describe('translate', () => {
  it('fills placeholders in the language asked for, without escaping', () => {
    expect(translate('de', 'conference.meeting_number', { meetingNumber: '2551234567' })).toBe(
      'Webex-Meetingnummer: 2551234567',
    );
    expect(translate('en', 'errors.preference_not_offered', { fields: '<siteUrl> & x' })).toBe(
      'Your Webex account does not offer this: <siteUrl> & x',
    );
  });

  it('takes a region or script tag by its language', () => {
    expect(translate('de-AT', 'errors.not_found')).toBe('Diese Ressource gibt es nicht');
    expect(translate('fr_CA', 'errors.not_found')).toBe('Cette ressource n’existe pas');
    expect(translate('ja-JP', 'errors.not_found')).toBe('そのリソースは存在しません');
  });

  it('answers English for an unsupported, missing or malformed language', () => {
    for (const language of ['pt-BR', 'zz', '', undefined, null, '../de', 'de;q=1'])
      expect(translate(language, 'errors.not_found')).toBe('No such resource');
  });

  it('lists a text in every language', () => {
    expect(allTranslations('conference.deleted_in_webex')).toHaveLength(supportedLanguages.length);
  });
});

describe('the user language', () => {
  it('is the preference, else the Google locale, else English', () => {
    expect(userLanguage({ preference: 'de', locale: 'fr-FR' })).toBe('de');
    expect(userLanguage({ locale: 'es-419' })).toBe('es');
    expect(userLanguage({ preference: null, locale: 'ja' })).toBe('ja');
    expect(userLanguage({})).toBe('en');
    // An unsupported choice is English, not the Google locale the user did not pick.
    expect(userLanguage({ preference: 'pt-BR', locale: 'de' })).toBe('en');
  });

  it('reads the supported language of a tag', () => {
    expect(supportedLanguageOf('DE-ch')).toBe('de');
    expect(supportedLanguageOf('english')).toBeUndefined();
  });
});

describe('Accept-Language', () => {
  it('takes the heaviest supported range, ties in order', () => {
    expect(languageFromAcceptLanguage('pt-BR, de;q=0.8, fr;q=0.9')).toBe('fr');
    expect(languageFromAcceptLanguage('ja,en;q=0.5')).toBe('ja');
    expect(languageFromAcceptLanguage('es, de')).toBe('es');
    expect(languageFromAcceptLanguage('de;q=0, fr;q=0.1')).toBe('fr');
  });

  it('names none for a missing, wildcard-only, unsupported or absurd header', () => {
    expect(languageFromAcceptLanguage(undefined)).toBeUndefined();
    expect(languageFromAcceptLanguage('*')).toBeUndefined();
    expect(languageFromAcceptLanguage('pt, zh;q=0.5')).toBeUndefined();
    expect(languageFromAcceptLanguage(`de,${'x'.repeat(2000)}`)).toBeUndefined();
  });
});
