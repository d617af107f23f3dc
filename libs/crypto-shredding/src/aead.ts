import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';

/** AES-256-GCM: the one cipher of this library, for wrapping data keys and for sealing values. */
export const KEY_BYTES = 32;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
const ALGORITHM = 'aes-256-gcm';

export interface AeadCiphertext {
  readonly iv: Buffer;
  /** The ciphertext with the 16-byte authentication tag appended. */
  readonly ciphertext: Buffer;
}

/** Random 96-bit IVs: safe for far more than 2^32 encryptions per key, more than any subject sees. */
/** Pass keys as KeyObject where they are reused: building one from bytes on every call dominates the cost. */
export function aeadEncrypt(
  key: KeyObject | Buffer,
  plaintext: Uint8Array,
  associatedData: Buffer,
): AeadCiphertext {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData);
  const body = cipher.update(plaintext);
  const final = cipher.final();
  return { iv, ciphertext: Buffer.concat([body, final, cipher.getAuthTag()]) };
}

/** The plaintext, or undefined when authentication fails (wrong key, wrong associated data, altered bytes). */
export function aeadDecrypt(
  key: KeyObject | Buffer,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  associatedData: Buffer,
): Buffer | undefined {
  if (iv.length !== IV_BYTES || ciphertext.length < TAG_BYTES) return undefined;
  const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(associatedData);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_BYTES));
  const body = decipher.update(ciphertext.subarray(0, ciphertext.length - TAG_BYTES));
  let tail: Buffer;
  try {
    // final() checks the tag; nothing is returned before it passed.
    tail = decipher.final();
  } catch {
    return undefined;
  }
  // GCM is a stream mode: final() yields no bytes, so the copy of a concat is usually saved.
  return tail.length === 0 ? body : Buffer.concat([body, tail]);
}

/** Associated data from parts; NUL-separated so ("a", "bc") and ("ab", "c") never collide. */
export function associatedData(...parts: readonly string[]): Buffer {
  for (const part of parts) {
    if (part.includes('\0')) throw new Error('associated-data parts must not contain NUL');
  }
  return Buffer.from(parts.join('\0'), 'utf8');
}
