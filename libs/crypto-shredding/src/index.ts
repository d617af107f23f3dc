export { KeyEncryptionKeyRing } from './key-encryption-keys.js';
export type { KeyEncryptionKeyConfig, KeyEncryptionKeysConfig, WrappedKey } from './key-encryption-keys.js';
export type { DataKeyStore, StoredDataKey, ActiveDataKey, ForgottenDataKey } from './data-key-store/port.js';
export { PostgresDataKeyStore } from './data-key-store/postgres.js';
export type { PostgresDataKeyStoreOptions } from './data-key-store/postgres.js';
export { MongoDataKeyStore } from './data-key-store/mongodb.js';
export type { MongoDataKeyStoreOptions } from './data-key-store/mongodb.js';
export { openDataKeyStore } from './data-key-store/open.js';
export { SubjectKeys } from './subject-keys.js';
export type { SubjectKeysOptions, RotationReport, DataKey, SealingKey } from './subject-keys.js';
export { SecretBox, Sealer, isSealedValue } from './secret-box.js';
export type { SealedValue, OpenedValue } from './secret-box.js';
export {
  PersonalDataCodec,
  isRedacted,
  REDACTED_FORGOTTEN,
  REDACTED_TAMPERED,
} from './personal-data-codec.js';
export type {
  Redacted,
  DecodedEvent,
  OpenedEvent,
  SealedEventEnvelope,
  IntegrityLogger,
  PersonalDataCodecOptions,
} from './personal-data-codec.js';
export { subjectOf, subjectResolvers, meetingSubject, userSubject, isSubject } from './subjects.js';
export type { Subject, SubjectResolver } from './subjects.js';
export {
  InvalidKeyEncryptionKeyError,
  UnknownKeyEncryptionKeyError,
  DataKeyUnwrapError,
  InvalidSubjectError,
  UnresolvableSubjectError,
  UnsealableEventError,
  UnsupportedDataKeyStoreError,
  SubjectForgottenError,
} from './errors.js';
