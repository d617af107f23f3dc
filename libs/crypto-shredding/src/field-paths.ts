/**
 * Contract paths of personal data ("title", "invitees[].email", "attendees") applied to values.
 * A path may name a whole array or object, or a field inside array elements; absent
 * (undefined) values are skipped, so optional fields need no special case.
 */

type Segment = { readonly kind: 'field'; readonly name: string } | { readonly kind: 'each' };

const FIELD = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function parseFieldPath(path: string): readonly Segment[] {
  const segments: Segment[] = [];
  if (path === '') return segments;
  for (const part of path.split('.')) {
    const match = /^([^[\]]+)((?:\[\])*)$/.exec(part);
    if (!match || !FIELD.test(match[1]!)) throw new Error(`unsupported personal-data path "${path}"`);
    segments.push({ kind: 'field', name: match[1]! });
    for (let index = 0; index < match[2]!.length / 2; index++) segments.push({ kind: 'each' });
  }
  return segments;
}

/** Where a value sits, e.g. "data.invitees[2].email" (the format of ContractIssue paths). */
export type ConcretePath = string;

export interface FieldLocation {
  readonly path: ConcretePath;
  readonly value: unknown;
  replace(value: unknown): void;
}

/** Every present value at `segments` below `parent[key]` (path "key…"), in document order. */
export function locate(
  parent: Record<string, unknown>,
  key: string,
  segments: readonly Segment[],
): FieldLocation[] {
  const found: FieldLocation[] = [];
  const visit = (
    container: Record<string, unknown> | unknown[],
    key: string | number,
    path: string,
    rest: readonly Segment[],
  ) => {
    const value = (container as Record<string | number, unknown>)[key];
    if (value === undefined) return;
    if (rest.length === 0) {
      found.push({
        path,
        value,
        replace: (replacement) => {
          (container as Record<string | number, unknown>)[key] = replacement;
        },
      });
      return;
    }
    const [next, ...remaining] = rest as [Segment, ...Segment[]];
    if (next.kind === 'each') {
      if (!Array.isArray(value)) return;
      value.forEach((_element, index) => visit(value, index, `${path}[${index}]`, remaining));
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
    if (!Object.hasOwn(value, next.name)) return;
    visit(value as Record<string, unknown>, next.name, `${path}.${next.name}`, remaining);
  };
  visit(parent, key, key, segments);
  return found;
}

/** Every value at or below `parent[key]` for which `matches` holds (not descending into matches). */
export function findAll(
  parent: Record<string, unknown>,
  key: string,
  matches: (value: unknown) => boolean,
): FieldLocation[] {
  const found: FieldLocation[] = [];
  const visit = (container: Record<string, unknown> | unknown[], key: string | number, path: string) => {
    const value = (container as Record<string | number, unknown>)[key];
    if (matches(value)) {
      found.push({
        path,
        value,
        replace: (replacement) => {
          (container as Record<string | number, unknown>)[key] = replacement;
        },
      });
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((_element, index) => visit(value, index, `${path}[${index}]`));
    } else if (typeof value === 'object' && value !== null) {
      for (const name of Object.keys(value)) visit(value as Record<string, unknown>, name, `${path}.${name}`);
    }
  };
  visit(parent, key, key);
  return found;
}

/** Whether an issue at `path` lies at or below `ancestor` ("data.invitees" covers "data.invitees[0].email"). */
export function isAtOrBelow(path: ConcretePath, ancestor: ConcretePath): boolean {
  return path === ancestor || path.startsWith(`${ancestor}.`) || path.startsWith(`${ancestor}[`);
}

const UNCHANGED = Symbol('unchanged');
const MATCHED = Symbol('matched');

/**
 * findAll without touching `parent`: returns `parent` itself when nothing matches, else a copy
 * in which only the containers on the way to a match are copied (shallowly), with locations
 * whose replace() writes into that copy. Branches without a match stay shared with `parent`,
 * so opening a few fields of a large event costs a few small copies, not a deep clone.
 */
export function findAllInCopy<Parent extends object>(
  parent: Parent,
  key: string,
  matches: (value: unknown) => boolean,
): { copy: Parent; found: FieldLocation[] } {
  const found: FieldLocation[] = [];
  const slot = (container: Record<string | number, unknown>, slotKey: string | number, path: string) => {
    found.push({
      path,
      value: container[slotKey],
      replace: (replacement) => {
        container[slotKey] = replacement;
      },
    });
  };
  const visit = (value: unknown, path: string): unknown => {
    if (matches(value)) return MATCHED;
    if (typeof value !== 'object' || value === null) return UNCHANGED;
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let index = 0; index < value.length; index++) {
        const elementPath = `${path}[${index}]`;
        const result = visit(value[index], elementPath);
        if (result === UNCHANGED) continue;
        copy ??= value.slice();
        if (result === MATCHED) slot(copy as unknown as Record<number, unknown>, index, elementPath);
        else copy[index] = result;
      }
      return copy ?? UNCHANGED;
    }
    let copy: Record<string, unknown> | undefined;
    for (const name of Object.keys(value)) {
      const fieldPath = `${path}.${name}`;
      const result = visit((value as Record<string, unknown>)[name], fieldPath);
      if (result === UNCHANGED) continue;
      copy ??= { ...(value as Record<string, unknown>) };
      if (result === MATCHED) slot(copy, name, fieldPath);
      else copy[name] = result;
    }
    return copy ?? UNCHANGED;
  };
  const result = visit((parent as Record<string, unknown>)[key], key);
  if (result === UNCHANGED) return { copy: parent, found };
  const copy = { ...parent } as Record<string, unknown>;
  if (result === MATCHED) slot(copy, key, key);
  else copy[key] = result;
  return { copy: copy as Parent, found };
}
