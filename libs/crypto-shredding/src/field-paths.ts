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
