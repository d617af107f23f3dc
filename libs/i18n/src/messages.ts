import type { en } from './resources/en.js';

type Shape<Tree> = { readonly [Key in keyof Tree]: Tree[Key] extends string ? string : Shape<Tree[Key]> };

/** A language's texts: exactly English's keys, any wording. */
export type Messages = Shape<typeof en>;

type Paths<Tree, Prefix extends string = ''> = {
  [Key in keyof Tree & string]: Tree[Key] extends string
    ? `${Prefix}${Key}`
    : Paths<Tree[Key], `${Prefix}${Key}.`>;
}[keyof Tree & string];

/** Every text's key, e.g. `errors.meeting_not_found` or `conference.meeting_number`. */
export type MessageKey = Paths<typeof en>;

/** The keys under one section, without its prefix: `ErrorMessageKey` is `meeting_not_found` … */
export type SectionKey<Section extends keyof typeof en> = keyof (typeof en)[Section] & string;
export type ErrorMessageKey = SectionKey<'errors'>;
export type OperationKey = SectionKey<'operations'>;
