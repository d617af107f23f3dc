/**
 * The read-model document store port: one interface, two backends
 * (PostgreSQL JSONB locally and in tests, MongoDB in production). Every adapter passes the
 * same conformance suite (document-store.conformance.ts).
 *
 * Queries may only touch fields the collection declares as indexes, so a query can never
 * silently turn into a full scan: an undeclared field is an UndeclaredIndexError.
 */

/** A JSON object: what a read-model document is. */
export type JsonDocument = { readonly [key: string]: unknown };

/** The JSON type of an indexed field; documents whose value there has another type are rejected. */
export type IndexType = 'string' | 'number' | 'boolean';

/** Dot-separated path into the document (`owner.userId`) mapped to its type. */
export type IndexDeclarations = Readonly<Record<string, IndexType>>;

/**
 * Validates documents before they are written. Structural, so a zod schema fits as it is
 * (`z.object({...})`), without this library depending on zod.
 */
export interface DocumentSchema<TDocument> {
  safeParse(value: unknown):
    | { success: true; data: TDocument }
    | {
        success: false;
        error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> };
      };
}

export interface CollectionDefinition<TDocument extends JsonDocument = JsonDocument> {
  /** Lower-case letters, digits and `_`, starting with a letter; at most 40 characters. */
  readonly name: string;
  readonly indexes: IndexDeclarations;
  readonly schema?: DocumentSchema<TDocument>;
}

export interface StoredDocument<TDocument extends JsonDocument = JsonDocument> {
  readonly id: string;
  /** 1 after the first write, +1 on every write. */
  readonly version: number;
  readonly document: TDocument;
}

/** `absent`: the document must not exist; a number: it must be at exactly that version. */
export type ExpectedVersion = 'any' | 'absent' | number;

export type IndexValue = string | number | boolean;

export interface RangeCondition {
  readonly in?: readonly IndexValue[];
  readonly gt?: IndexValue;
  readonly gte?: IndexValue;
  readonly lt?: IndexValue;
  readonly lte?: IndexValue;
}

/** Per indexed field: a value (equality) or a range / `in` condition. Conditions are ANDed. */
export type WhereClause = Readonly<Record<string, IndexValue | RangeCondition>>;

export interface OrderBy {
  readonly field: string;
  readonly direction?: 'asc' | 'desc';
}

export interface FindQuery {
  readonly where?: WhereClause;
  /** Ties (and the absence of an order) are broken by id, so pages are stable. */
  readonly orderBy?: OrderBy | readonly OrderBy[];
  /** 1..10,000; omitted: every match. */
  readonly limit?: number;
}

export interface DocumentCollection<TDocument extends JsonDocument = JsonDocument> {
  readonly name: string;
  get(id: string): Promise<StoredDocument<TDocument> | undefined>;
  /** Throws VersionConflictError when the stored version is not the expected one. */
  upsert(
    id: string,
    document: TDocument,
    options: { readonly expectedVersion: ExpectedVersion },
  ): Promise<StoredDocument<TDocument>>;
  /** Returns whether a document was deleted. With expectedVersion, a mismatch is a VersionConflictError. */
  delete(id: string, options?: { readonly expectedVersion?: ExpectedVersion }): Promise<boolean>;
  find(query?: FindQuery): Promise<Array<StoredDocument<TDocument>>>;
  /** How many documents match `where` (declared indexes only, as for find), without reading them. */
  count(where?: WhereClause): Promise<number>;
}

/** A connection to one backend; collections are created (with their indexes) on first use. */
export interface ReadModelStore {
  /** `postgres` or `mongodb`. */
  readonly backend: string;
  collection<TDocument extends JsonDocument>(
    definition: CollectionDefinition<TDocument>,
  ): Promise<DocumentCollection<TDocument>>;
  close(): Promise<void>;
}
