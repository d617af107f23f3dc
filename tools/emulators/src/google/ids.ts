import { randomBytes } from 'node:crypto';

const base32hex = '0123456789abcdefghijklmnopqrstuv';

/** Calendar event ids use base32hex characters (a-v, 0-9), 5 to 1024 long. */
export function newEventId(): string {
  const bytes = randomBytes(26);
  let id = '';
  for (const byte of bytes) id += base32hex[byte % 32];
  return id;
}

export function isValidEventId(id: string): boolean {
  return /^[a-v0-9]{5,1024}$/.test(id);
}

export function randomToken(prefix: string, bytes = 24): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}
