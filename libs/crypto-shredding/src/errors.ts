/**
 * Errors of the crypto-shredding library. None of them ever carries key material,
 * plaintext or ciphertext: only ids (key ids, subjects, event ids, field paths).
 */

/** The key-encryption key configuration is unusable; raised at start-up, never later. */
export class InvalidKeyEncryptionKeyError extends Error {
  constructor(
    /** The configured key id, or "(unnamed)" when even the id is missing. */
    readonly keyEncryptionKeyId: string,
    readonly problem: string,
  ) {
    super(`key-encryption key "${keyEncryptionKeyId}": ${problem}`);
    this.name = 'InvalidKeyEncryptionKeyError';
  }
}

/** A stored data key was wrapped by a key-encryption key that is not configured (retired too early?). */
export class UnknownKeyEncryptionKeyError extends Error {
  constructor(
    readonly keyEncryptionKeyId: string,
    readonly subject: string,
    readonly configuredKeyIds: readonly string[],
  ) {
    super(
      `the data key of ${subject} is wrapped by key-encryption key "${keyEncryptionKeyId}", which is not configured ` +
        `(configured: ${configuredKeyIds.map((id) => `"${id}"`).join(', ')}); add it to the previous keys until rotate() has re-wrapped every data key`,
    );
    this.name = 'UnknownKeyEncryptionKeyError';
  }
}

/**
 * A stored data key does not unwrap with the configured key-encryption key of the same id:
 * the configured key material is wrong, or the stored row was altered. Never turned into a
 * redaction: redacting every field because of a misconfiguration would silently destroy read models.
 */
export class DataKeyUnwrapError extends Error {
  constructor(
    readonly subject: string,
    readonly keyEncryptionKeyId: string,
  ) {
    super(
      `cannot unwrap the data key of ${subject} with key-encryption key "${keyEncryptionKeyId}": ` +
        `the configured key material for "${keyEncryptionKeyId}" is not the one that wrapped it, or the stored key was altered`,
    );
    this.name = 'DataKeyUnwrapError';
  }
}

/** A subject name the key store refuses (empty, too long, or with control characters). */
export class InvalidSubjectError extends Error {
  constructor(
    readonly subject: unknown,
    readonly reason: string,
  ) {
    super(`invalid crypto-shredding subject ${JSON.stringify(String(subject)).slice(0, 120)}: ${reason}`);
    this.name = 'InvalidSubjectError';
  }
}

/** The codec cannot tell whose personal data an event carries: no resolver for its stream category. */
export class UnresolvableSubjectError extends Error {
  constructor(
    readonly eventType: string,
    readonly streamId: string,
    readonly reason: string,
  ) {
    super(`cannot resolve the crypto-shredding subject of ${eventType} in ${streamId}: ${reason}`);
    this.name = 'UnresolvableSubjectError';
  }
}

/** encode() was given an event that cannot be sealed (older schema version, already sealed, …). */
export class UnsealableEventError extends Error {
  constructor(
    readonly eventType: string,
    readonly eventId: string,
    readonly reason: string,
  ) {
    super(`cannot seal ${eventType} ${eventId}: ${reason}`);
    this.name = 'UnsealableEventError';
  }
}

/** A data-key store URL with a scheme no adapter handles. */
export class UnsupportedDataKeyStoreError extends Error {
  constructor(readonly scheme: string) {
    super(`no data-key store adapter for "${scheme}//" URLs; use postgres:// or mongodb://`);
    this.name = 'UnsupportedDataKeyStoreError';
  }
}

/** seal() for a subject that was forgotten: its personal data must not be stored again. */
export class SubjectForgottenError extends Error {
  constructor(readonly subject: string) {
    super(`${subject} was forgotten (crypto-shredded); nothing can be sealed for it any more`);
    this.name = 'SubjectForgottenError';
  }
}
