export {
  supportedLanguages,
  fallbackLanguage,
  supportedLanguageOf,
  userLanguage,
  languageFromAcceptLanguage,
} from './languages.js';
export type { Language } from './languages.js';
export type { Messages, MessageKey, ErrorMessageKey, OperationKey } from './messages.js';
export { translate, allTranslations, resources } from './translate.js';
export type { MessageParams } from './translate.js';
export { readUserLanguage } from './user-language.js';
