import {
  DocumentValidationError,
  InvalidCollectionDefinitionError,
  InvalidQueryError,
  UndeclaredIndexError,
  type DocumentIssue,
} from './errors.js';
import type {
  CollectionDefinition,
  FindQuery,
  IndexType,
  IndexValue,
  JsonDocument,
  RangeCondition,
} from './port.js';

// Names end up in SQL identifiers and Mongo collection names, so they are kept to a safe alphabet.
const COLLECTION_NAME = /^[a-z][a-z0-9_]{0,39}$/;
const INDEX_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const INDEX_TYPES: readonly IndexType[] = ['string', 'number', 'boolean'];
const MAX_ID_LENGTH = 512;
export const MAX_LIMIT = 10_000;

export interface IndexField {
  readonly field: string;
  readonly path: readonly string[];
  readonly type: IndexType;
}

export type ConditionOperator = 'eq' | 'in' | 'gt' | 'gte' | 'lt' | 'lte';

export interface CompiledCondition extends IndexField {
  readonly operator: ConditionOperator;
  readonly value: IndexValue | readonly IndexValue[];
}

export interface CompiledOrder extends IndexField {
  readonly direction: 'asc' | 'desc';
}

/** A query checked against the declared indexes, in a form each adapter translates. */
export interface CompiledQuery {
  readonly conditions: readonly CompiledCondition[];
  readonly orderBy: readonly CompiledOrder[];
  readonly limit: number | undefined;
}

/** The stores' own bookkeeping tables and collections. */
const RESERVED_NAMES = ['read_model_generations', 'projection_checkpoints'];

export function checkCollectionDefinition(definition: CollectionDefinition<JsonDocument>): IndexField[] {
  // "__" is kept for generation suffixes (`<name>__g2`), so no collection can look like another's.
  if (!COLLECTION_NAME.test(definition.name) || definition.name.includes('__')) {
    throw new InvalidCollectionDefinitionError(
      definition.name,
      'the name must be lower-case letters, digits and single "_", start with a letter, and be at most 40 characters',
    );
  }
  if (RESERVED_NAMES.includes(definition.name)) {
    throw new InvalidCollectionDefinitionError(definition.name, 'the name is reserved for the store itself');
  }
  return Object.entries(definition.indexes).map(([field, type]) => {
    if (!INDEX_PATH.test(field)) {
      throw new InvalidCollectionDefinitionError(
        definition.name,
        `index "${field}" is not a dot-separated field path`,
      );
    }
    if (!INDEX_TYPES.includes(type)) {
      throw new InvalidCollectionDefinitionError(
        definition.name,
        `index "${field}" has type "${String(type)}"; use ${INDEX_TYPES.join(', ')}`,
      );
    }
    return { field, path: field.split('.'), type };
  });
}

const OPERATORS: readonly ConditionOperator[] = ['in', 'gt', 'gte', 'lt', 'lte'];

function isIndexValue(value: unknown): value is IndexValue {
  return (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

export function compileQuery(
  collection: string,
  indexes: readonly IndexField[],
  query: FindQuery = {},
): CompiledQuery {
  const byField = new Map(indexes.map((index) => [index.field, index]));
  const indexFor = (field: string) => {
    const index = byField.get(field);
    if (!index) throw new UndeclaredIndexError(collection, field, [...byField.keys()]);
    return index;
  };
  const checkValue = (index: IndexField, value: unknown, operator: string): IndexValue => {
    if (!isIndexValue(value) || typeof value !== index.type) {
      throw new InvalidQueryError(
        collection,
        `${index.field} ${operator}: expected a ${index.type}, got ${value === null ? 'null' : typeof value}`,
      );
    }
    return value;
  };

  const conditions: CompiledCondition[] = [];
  for (const [field, condition] of Object.entries(query.where ?? {})) {
    const index = indexFor(field);
    if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) {
      conditions.push({ ...index, operator: 'eq', value: checkValue(index, condition, '=') });
      continue;
    }
    const range = condition as RangeCondition & Record<string, unknown>;
    const operators = Object.keys(range);
    if (operators.length === 0) throw new InvalidQueryError(collection, `${field}: empty condition`);
    for (const operator of operators) {
      if (!OPERATORS.includes(operator as ConditionOperator)) {
        throw new InvalidQueryError(
          collection,
          `${field}: unknown operator "${operator}" (use ${OPERATORS.join(', ')})`,
        );
      }
      const value = range[operator];
      if (operator === 'in') {
        if (!Array.isArray(value) || value.length === 0 || value.length > 1000) {
          throw new InvalidQueryError(collection, `${field} in: expected 1 to 1000 values`);
        }
        conditions.push({
          ...index,
          operator: 'in',
          value: value.map((item: unknown) => checkValue(index, item, 'in')),
        });
      } else {
        conditions.push({
          ...index,
          operator: operator as ConditionOperator,
          value: checkValue(index, value, operator),
        });
      }
    }
  }

  const orders =
    query.orderBy === undefined ? [] : Array.isArray(query.orderBy) ? query.orderBy : [query.orderBy];
  const orderBy = (orders as ReadonlyArray<{ field: string; direction?: string }>).map((order) => {
    const direction = order.direction ?? 'asc';
    if (direction !== 'asc' && direction !== 'desc') {
      throw new InvalidQueryError(collection, `orderBy ${order.field}: direction must be asc or desc`);
    }
    return { ...indexFor(order.field), direction } as CompiledOrder;
  });

  const limit = query.limit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)) {
    throw new InvalidQueryError(
      collection,
      `limit must be an integer from 1 to ${MAX_LIMIT}, got ${String(limit)}`,
    );
  }
  return { conditions, orderBy, limit };
}

function valueAt(document: JsonDocument, path: readonly string[]): unknown {
  let current: unknown = document;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function describeIssuePath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((segment) => String(segment)).join('.') || '(root)';
}

/**
 * Everything a write must satisfy, checked before any I/O: an id, a JSON object, the
 * collection's schema, and the declared type at each indexed field (an expression index
 * would otherwise fail or, worse, index the wrong thing). Returns the document to store.
 */
export function checkDocument<TDocument extends JsonDocument>(
  definition: CollectionDefinition<TDocument>,
  indexes: readonly IndexField[],
  id: string,
  document: unknown,
): TDocument {
  const reject = (issues: DocumentIssue[]) =>
    new DocumentValidationError(definition.name, String(id), issues);
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
    throw reject([{ path: '(id)', message: `must be a string of 1 to ${MAX_ID_LENGTH} characters` }]);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw reject([{ path: '(root)', message: 'must be a JSON object' }]);
  }
  let checked = document as TDocument;
  if (definition.schema) {
    const result = definition.schema.safeParse(document);
    if (!result.success) {
      throw reject(
        result.error.issues.map((issue) => ({ path: describeIssuePath(issue.path), message: issue.message })),
      );
    }
    checked = result.data;
  }
  const issues: DocumentIssue[] = [];
  for (const index of indexes) {
    const value = valueAt(checked, index.path);
    if (value === undefined || value === null) continue;
    if (typeof value !== index.type || (typeof value === 'number' && !Number.isFinite(value))) {
      issues.push({ path: index.field, message: `is indexed as ${index.type}, got ${typeof value}` });
    }
  }
  if (issues.length > 0) throw reject(issues);
  return checked;
}
