import type { OpenedEvent } from '@scheduler/crypto-shredding';

/** How a personal value whose key was destroyed (the purge) is shown. */
export const REDACTED = '[redacted]';
/** How a personal value that failed authentication is shown (the codec logged it as tampering). */
export const TAMPERED = '[redacted: tampered]';
/** How a personal value that could be opened is shown when the output must not carry it. */
export const SEALED = '[sealed]';

export type PersonalValues = 'opened' | 'sealed';

export interface RenderedEvent {
  /** The event's data with every personal value opened, or replaced by its marker. */
  readonly data: Record<string, unknown>;
  /** The personal fields alone, by their path inside data, e.g. { title: …, invitees: '[redacted]' }. */
  readonly personal: Record<string, unknown>;
}

/** "data.invitees[2].email" → ['data', 'invitees', 2, 'email'] (the codec's ConcretePath format). */
function segmentsOf(path: string): Array<string | number> {
  const segments: Array<string | number> = [];
  for (const part of path.split('.')) {
    const match = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) throw new Error(`unexpected personal-data path "${path}"`);
    if (match[1]) segments.push(match[1]);
    for (const index of match[2]!.matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return segments;
}

function replaceAt(
  root: Record<string, unknown>,
  path: string,
  replace: (value: unknown) => unknown,
): unknown {
  const segments = segmentsOf(path);
  let parent: Record<string | number, unknown> = root;
  for (const segment of segments.slice(0, -1)) parent = parent[segment] as Record<string | number, unknown>;
  const last = segments.at(-1)!;
  const value = parent[last];
  parent[last] = replace(value);
  return parent[last];
}

/**
 * The personal fields of an event opened by PersonalDataCodec.open: opened values as they are
 * (or `[sealed]`), destroyed keys as `[redacted]`, tampered values as `[redacted: tampered]`.
 */
export function renderPersonalFields(
  opened: OpenedEvent<{ data: unknown }>,
  values: PersonalValues,
): RenderedEvent {
  const root = structuredClone({ data: opened.event.data }) as Record<string, unknown>;
  const personal: Record<string, unknown> = {};
  const tampered = new Set(opened.tampered);
  const fieldName = (path: string) => path.replace(/^data\./, '');
  for (const path of opened.redacted) {
    personal[fieldName(path)] = replaceAt(root, path, () => (tampered.has(path) ? TAMPERED : REDACTED));
  }
  for (const path of opened.opened) {
    personal[fieldName(path)] = replaceAt(root, path, (value) => (values === 'opened' ? value : SEALED));
  }
  return { data: root.data as Record<string, unknown>, personal };
}
