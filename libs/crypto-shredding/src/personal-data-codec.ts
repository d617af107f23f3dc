import {
  ContractViolationError,
  eventContractsByType,
  toContractIssues,
  upcasters as catalogueUpcasters,
  type EventContract,
  type EventEnvelope,
  type UpcasterRegistry,
} from '@scheduler/contracts';
import { UnsealableEventError } from './errors.js';
import {
  findAll,
  findAllInCopy,
  isAtOrBelow,
  locate,
  parseFieldPath,
  type ConcretePath,
} from './field-paths.js';
import { isSealedValue, type SecretBox, type SealedValue } from './secret-box.js';
import { subjectOf as defaultSubjectOf, type Subject } from './subjects.js';

/**
 * What stands where a personal value was: JSON-safe (read models can store it) and never valid
 * where the contract expects a string, array or strict object.
 *  - forgotten: the subject's key was destroyed (the purge), or it was already forgotten when
 *    the event was written;
 *  - tampered: the ciphertext does not authenticate (altered, or moved from another event/field).
 */
export interface Redacted {
  readonly $redacted: 'forgotten' | 'tampered';
}

export const REDACTED_FORGOTTEN: Redacted = Object.freeze({ $redacted: 'forgotten' });
export const REDACTED_TAMPERED: Redacted = Object.freeze({ $redacted: 'tampered' });

export function isRedacted(value: unknown): value is Redacted {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const marker = (value as { $redacted?: unknown }).$redacted;
  return (marker === 'forgotten' || marker === 'tampered') && Object.keys(value).length === 1;
}

/** A stored event: its personal values are SealedValue (or Redacted, when written after a purge). */
export type SealedEventEnvelope = EventEnvelope<string, unknown>;

export interface DecodedEvent {
  /**
   * Upcast to the current schema version and validated. Fields listed in `redacted` hold a
   * Redacted marker instead of their value; everything else satisfied the contract.
   */
  readonly event: EventEnvelope;
  /** Where values were redacted, as ContractIssue paths, e.g. "data.invitees" or "data.title". */
  readonly redacted: readonly ConcretePath[];
  /** The subset of `redacted` whose ciphertext did not authenticate (also logged as an error). */
  readonly tampered: readonly ConcretePath[];
}

/** What open() yields: the stored event with its sealed values opened, neither upcast nor validated. */
export interface OpenedEvent<Stored extends object = SealedEventEnvelope> {
  /**
   * `stored` with every sealed value replaced by its plaintext, or by a Redacted marker where
   * it was forgotten or tampered with. Shares its unopened parts with `stored`: read-only.
   */
  readonly event: Stored;
  /** Where values are redacted (including markers already stored), e.g. "data.title". */
  readonly redacted: readonly ConcretePath[];
  /** The subset of `redacted` whose ciphertext did not authenticate (also logged as an error). */
  readonly tampered: readonly ConcretePath[];
  /** Where sealed values were opened to their plaintext: with `redacted`, every personal field present. */
  readonly opened: readonly ConcretePath[];
}

/** Pino-compatible: `logger.error({ ...details }, message)`. */
export interface IntegrityLogger {
  error(details: Record<string, unknown>, message: string): void;
}

export interface PersonalDataCodecOptions {
  readonly secretBox: SecretBox;
  /** Defaults to the catalogue. */
  readonly contracts?: ReadonlyMap<string, EventContract>;
  /** Defaults to the catalogue's upcasters. */
  readonly upcasters?: UpcasterRegistry;
  /** Defaults to subjectOf: by stream category (meeting, user, calendarEvent, calendarWatch). */
  readonly subjectOf?: (event: EventEnvelope) => Subject;
  /** Receives tampering reports (ids and paths only, never values). */
  readonly logger?: IntegrityLogger;
}

const isSealedOrRedacted = (value: unknown) => isSealedValue(value) || isRedacted(value);

/** The associated data binds a sealed value to its event and its exact place in it. */
const contextOf = (event: { id: string }, path: ConcretePath) => `event:${event.id}:${path}`;

/**
 * Seals the contract-marked personal fields of events with their subject's data key before they
 * are stored, and opens them when they are read. One AES-256-GCM operation per personal field
 * present (a whole array such as "invitees" is one field), one key lookup per event.
 */
export class PersonalDataCodec {
  private readonly secretBox: SecretBox;
  private readonly contracts: ReadonlyMap<string, EventContract>;
  private readonly upcasters: UpcasterRegistry;
  private readonly subjectOf: (event: EventEnvelope) => Subject;
  private readonly logger: IntegrityLogger | undefined;
  private readonly parsedPaths = new Map<string, ReturnType<typeof parseFieldPath>[]>();

  constructor(options: PersonalDataCodecOptions) {
    this.secretBox = options.secretBox;
    this.contracts = options.contracts ?? eventContractsByType;
    this.upcasters = options.upcasters ?? catalogueUpcasters;
    this.subjectOf = options.subjectOf ?? ((event) => defaultSubjectOf(event));
    this.logger = options.logger;
  }

  /**
   * Validates a current-version event and returns a copy for storage with every present personal
   * value replaced by a SealedValue. For a forgotten subject the values are replaced by Redacted
   * markers instead, so personal data never outlives its purge. An event without personal values
   * is returned as is and creates no key. `subject` overrides the stream category's rule.
   */
  async encode(event: EventEnvelope, subject?: Subject): Promise<SealedEventEnvelope> {
    const contract = this.contractOf(event);
    if (event.schemaVersion !== contract.schemaVersion) {
      throw new UnsealableEventError(
        event.type,
        String(event.id),
        `schemaVersion ${event.schemaVersion} is not the current ${contract.schemaVersion}; only new events are sealed`,
      );
    }
    const valid = contract.parse(event);
    const sealed = structuredClone(valid) as unknown as Record<string, unknown>;
    const locations = this.pathsOf(contract).flatMap((segments) => locate(sealed, 'data', segments));
    if (locations.length === 0) return valid;
    const sealer = await this.secretBox.sealerFor(subject ?? this.subjectOf(valid));
    for (const location of locations) {
      location.replace(
        sealer
          ? sealer.seal(JSON.stringify(location.value), contextOf(valid, location.path))
          : REDACTED_FORGOTTEN,
      );
    }
    return sealed as unknown as SealedEventEnvelope;
  }

  /**
   * Opens every sealed value, upcasts and validates: open() followed by the contract. Never
   * throws because a key was forgotten or a value was tampered with: those become Redacted
   * markers, so a replay never stops. It does throw ContractViolationError /
   * UnknownEventTypeError for events that are invalid beyond their redacted fields (as
   * parseEvent would), and the key-encryption-key and store errors of SecretBox.open
   * (misconfiguration must not pass for a purge). The result shares nothing with `stored`.
   */
  async decode(stored: unknown): Promise<DecodedEvent> {
    const { event, redacted, tampered } = await this.open(stored as object);
    if (redacted.length === 0) return { event: this.upcasters.parse(event), redacted, tampered };
    return { event: this.validateAround(event as Record<string, unknown>, redacted), redacted, tampered };
  }

  /**
   * Opens every sealed value exactly as decode() does (same redaction, tamper detection and
   * integrity log), for consumers that need no validation, such as projections: no upcasting,
   * no contract, no deep copy. Only the containers on the way to an opened value are copied;
   * everything else is shared with `stored`, which is never modified, so treat the result as
   * read-only. `stored` is an EventEnvelope or anything else with the event's `id` and `data`
   * (a store's RecordedEvent): a sealed value is bound to the event id and its path in `data`.
   * The event is returned as stored otherwise, so call it for events of the current schema
   * version; older ones need decode() to be upcast.
   */
  async open<Stored extends object>(stored: Stored): Promise<OpenedEvent<Stored>> {
    if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) {
      throw new ContractViolationError('event', [{ path: '(root)', message: 'must be an object' }]);
    }
    const redacted: ConcretePath[] = [];
    const tampered: ConcretePath[] = [];
    const opened: ConcretePath[] = [];
    // Sealed values are found by their shape, not by the contract's paths: the stored event may
    // be an older schema version whose paths differ, and upcasting needs the plaintext first.
    const { copy, found } = findAllInCopy(stored, 'data', isSealedOrRedacted);
    const event = copy as Record<string, unknown>;
    for (const location of found) {
      if (isRedacted(location.value)) {
        redacted.push(location.path);
        continue;
      }
      const sealed = location.value as SealedValue;
      const result = await this.secretBox.open(sealed, contextOf({ id: String(event.id) }, location.path));
      let value: unknown;
      if (result.outcome === 'opened') {
        try {
          value = JSON.parse(result.plaintext.toString('utf8'));
        } catch {
          value = undefined;
        }
      }
      if (result.outcome === 'opened' && value !== undefined) {
        location.replace(value);
        opened.push(location.path);
      } else if (result.outcome === 'forgotten') {
        location.replace(REDACTED_FORGOTTEN);
        redacted.push(location.path);
      } else {
        location.replace(REDACTED_TAMPERED);
        redacted.push(location.path);
        tampered.push(location.path);
        this.logger?.error(
          {
            eventId: event.id,
            eventType: event.type,
            streamId: event.streamId,
            path: location.path,
            subject: sealed.subject,
            keyId: sealed.keyId,
          },
          'sealed personal data failed authentication; redacted it',
        );
      }
    }
    return { event: copy, redacted, tampered, opened };
  }

  /**
   * Loads the keys of a page of stored events in one store round trip before they are decoded
   * one by one (projection rebuilds, replays). Optional: decode() loads missing keys itself.
   */
  async prefetchKeys(stored: Iterable<unknown>): Promise<void> {
    const references: SealedValue[] = [];
    for (const event of stored) {
      if (typeof event !== 'object' || event === null) continue;
      for (const location of findAll(event as Record<string, unknown>, 'data', isSealedValue)) {
        references.push(location.value as SealedValue);
      }
    }
    await this.secretBox.keys.prefetch(references);
  }

  /** Upcasts and validates, ignoring only the issues that the redacted markers themselves cause. */
  private validateAround(event: Record<string, unknown>, redacted: readonly ConcretePath[]): EventEnvelope {
    const { contract, envelope } = this.upcasters.upcast(event);
    const result = contract.envelope.safeParse(envelope);
    if (result.success) return result.data;
    const issues = toContractIssues(result.error).filter(
      (issue) => !redacted.some((path) => isAtOrBelow(issue.path, path)),
    );
    if (issues.length > 0) throw new ContractViolationError(contract.type, issues);
    // Not zod's output, so it may share unopened parts with the stored event: copy it.
    return structuredClone(envelope) as unknown as EventEnvelope;
  }

  private contractOf(event: EventEnvelope): EventContract {
    const contract = this.contracts.get(event.type);
    if (!contract)
      throw new UnsealableEventError(String(event.type), String(event.id), 'no contract defines this type');
    return contract;
  }

  private pathsOf(contract: EventContract): ReturnType<typeof parseFieldPath>[] {
    let parsed = this.parsedPaths.get(contract.type);
    if (!parsed) {
      parsed = contract.personalDataPaths.map(parseFieldPath);
      this.parsedPaths.set(contract.type, parsed);
    }
    return parsed;
  }
}
