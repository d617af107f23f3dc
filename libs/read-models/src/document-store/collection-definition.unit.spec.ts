import { describe, expect, it } from '@jest/globals';
import { checkCollectionDefinition, checkDocument, compileQuery } from './collection-definition.js';
import {
  DocumentValidationError,
  InvalidCollectionDefinitionError,
  InvalidQueryError,
  UndeclaredIndexError,
} from './errors.js';

const definition = {
  name: 'meetings',
  indexes: { status: 'string', start: 'string', count: 'number' },
} as const;
const indexes = checkCollectionDefinition(definition);

describe('compileQuery', () => {
  it('turns equality, ranges, in, ordering and limit into conditions on declared indexes', () => {
    const compiled = compileQuery('meetings', indexes, {
      where: { status: 'scheduled', start: { gte: '2026-01-01', lt: '2026-02-01' }, count: { in: [1, 2] } },
      orderBy: [{ field: 'start', direction: 'desc' }],
      limit: 10,
    });
    expect(compiled.conditions.map(({ field, operator, value }) => [field, operator, value])).toEqual([
      ['status', 'eq', 'scheduled'],
      ['start', 'gte', '2026-01-01'],
      ['start', 'lt', '2026-02-01'],
      ['count', 'in', [1, 2]],
    ]);
    expect(compiled.orderBy.map(({ field, direction }) => [field, direction])).toEqual([['start', 'desc']]);
    expect(compiled.limit).toBe(10);
  });

  it('names the undeclared field and what is declared', () => {
    const error = (() => {
      try {
        compileQuery('meetings', indexes, { where: { title: 'x' } });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(UndeclaredIndexError);
    expect(error).toMatchObject({
      collection: 'meetings',
      field: 'title',
      declared: ['status', 'start', 'count'],
    });
  });

  it('rejects values of the wrong type, NaN and Infinity', () => {
    for (const value of ['1', Number.NaN, Number.POSITIVE_INFINITY, null, { nested: 1 }]) {
      expect(() => compileQuery('meetings', indexes, { where: { count: value as never } })).toThrow(
        InvalidQueryError,
      );
    }
  });
});

describe('checkDocument', () => {
  it('accepts missing or null indexed fields and rejects the wrong type', () => {
    expect(checkDocument(definition, indexes, 'a', { status: null })).toEqual({ status: null });
    expect(() => checkDocument(definition, indexes, 'a', { count: '3' })).toThrow(DocumentValidationError);
    expect(() => checkDocument(definition, indexes, 'a', { count: Number.NaN })).toThrow(
      DocumentValidationError,
    );
  });
});

describe('checkCollectionDefinition', () => {
  it('rejects names that could not be used safely as identifiers, or that are reserved', () => {
    for (const name of [
      '',
      'Meetings',
      '1meetings',
      'a-b',
      'a"b',
      'x'.repeat(41),
      'a__g1',
      'projection_checkpoints',
    ]) {
      expect(() => checkCollectionDefinition({ name, indexes: {} })).toThrow(
        InvalidCollectionDefinitionError,
      );
    }
    expect(() => checkCollectionDefinition({ name: 'ok', indexes: { "a') OR 1=1": 'string' } })).toThrow(
      InvalidCollectionDefinitionError,
    );
    expect(() => checkCollectionDefinition({ name: 'ok', indexes: { a: 'date' as never } })).toThrow(
      InvalidCollectionDefinitionError,
    );
  });
});
