import { ContractViolationError, UnknownEventTypeError, UnsupportedSchemaVersionError } from './errors.js';
import type { EventContract, EventEnvelope } from './define.js';

export interface Upcaster {
  readonly type: string;
  readonly fromVersion: number;
  /** Turns the data of `fromVersion` into the data of `fromVersion + 1`. Pure. */
  upcast(data: unknown): unknown;
}

/**
 * Upcasters turn stored events of older schema versions into the current one, one version
 * step at a time, before the current contract validates them. An event newer than the
 * contract, or one with a gap in its upcaster chain, is rejected explicitly.
 */
export class UpcasterRegistry {
  private readonly steps = new Map<string, Upcaster>();

  constructor(private readonly contracts: ReadonlyMap<string, EventContract>) {}

  register(upcaster: Upcaster): this {
    const key = `${upcaster.type}@${upcaster.fromVersion}`;
    const contract = this.contracts.get(upcaster.type);
    if (!contract) throw new UnknownEventTypeError(upcaster.type);
    if (!Number.isInteger(upcaster.fromVersion) || upcaster.fromVersion < 1) {
      throw new Error(`${key}: fromVersion must be a positive integer`);
    }
    if (upcaster.fromVersion >= contract.schemaVersion) {
      throw new Error(`${key}: an upcaster must start below the current version ${contract.schemaVersion}`);
    }
    if (this.steps.has(key)) throw new Error(`${key}: an upcaster for this version is already registered`);
    this.steps.set(key, upcaster);
    return this;
  }

  /** Upcasts (when older) and validates an event envelope against the current contract. */
  parse(raw: unknown): EventEnvelope {
    const { contract, envelope } = this.upcast(raw);
    return contract.parse(envelope);
  }

  /**
   * Upcasts an envelope to the current version without validating its data, for callers that
   * validate themselves (the crypto-shredding codec validates around redacted fields).
   */
  upcast(raw: unknown): { contract: EventContract; envelope: Record<string, unknown> } {
    if (typeof raw !== 'object' || raw === null) {
      throw new ContractViolationError('event', [{ path: '(root)', message: 'must be an object' }]);
    }
    const candidate = raw as { type?: unknown; schemaVersion?: unknown; data?: unknown };
    if (typeof candidate.type !== 'string') {
      throw new ContractViolationError('event', [{ path: 'type', message: 'must be a string' }]);
    }
    const contract = this.contracts.get(candidate.type);
    if (!contract) throw new UnknownEventTypeError(candidate.type);
    const version = candidate.schemaVersion;
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
      throw new ContractViolationError(contract.type, [
        { path: 'schemaVersion', message: 'must be a positive integer' },
      ]);
    }
    if (version > contract.schemaVersion) {
      throw new UnsupportedSchemaVersionError(contract.type, version, contract.schemaVersion);
    }
    let data = candidate.data;
    for (let from = version; from < contract.schemaVersion; from++) {
      const step = this.steps.get(`${contract.type}@${from}`);
      if (!step) throw new UnsupportedSchemaVersionError(contract.type, version, contract.schemaVersion);
      try {
        data = step.upcast(data);
      } catch (error) {
        // Old data the upcaster cannot read is bad input, not a crash: same bytes, same failure.
        throw new ContractViolationError(contract.type, [
          {
            path: 'data',
            message: `cannot be upcast from schemaVersion ${from}: ${error instanceof Error ? error.message : String(error)}`,
          },
        ]);
      }
    }
    return { contract, envelope: { ...candidate, schemaVersion: contract.schemaVersion, data } };
  }
}
