/**
 * A structural reading of Helm (Go text/template) sources, for checks that need no helm binary:
 * balanced actions and blocks, named templates and their uses, `.Values` paths, and the
 * environment variables a template sets. It does not render: what Helm would output is
 * beyond it.
 */

export interface TemplateAction {
  /** The action's text without delimiters, trim markers or surrounding blanks. */
  readonly text: string;
  readonly line: number;
  /** Offsets of `{{` and just past `}}` in the source. */
  readonly start: number;
  readonly end: number;
  /** The kinds of the blocks (if, with, range, define, block) this action sits in, outermost first. */
  readonly enclosing: readonly BlockKind[];
}

export type BlockKind = 'if' | 'with' | 'range' | 'define' | 'block';

export interface NamedTemplate {
  readonly name: string;
  readonly file: string;
  readonly line: number;
  /** The source between `{{ define }}` and its `{{ end }}`. */
  readonly body: string;
}

export interface ParsedTemplate {
  readonly file: string;
  readonly actions: readonly TemplateAction[];
  readonly defines: readonly NamedTemplate[];
  /** Unbalanced delimiters or blocks, each with its line; empty when the file is sound. */
  readonly problems: readonly string[];
}

const BLOCK_OPENERS = new Set<BlockKind>(['if', 'with', 'range', 'define', 'block']);

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let index = 0; index < offset && index < text.length; index += 1) if (text[index] === '\n') line += 1;
  return line;
}

/** Splits a template into actions and checks that delimiters and blocks are balanced. */
export function parseTemplate(file: string, text: string): ParsedTemplate {
  const actions: TemplateAction[] = [];
  const defines: NamedTemplate[] = [];
  const problems: string[] = [];
  const stack: { kind: BlockKind; line: number; name?: string; bodyStart: number }[] = [];
  let offset = 0;

  while (offset < text.length) {
    const open = text.indexOf('{{', offset);
    const strayClose = text.indexOf('}}', offset);
    if (strayClose !== -1 && (open === -1 || strayClose < open)) {
      problems.push(`${file}:${lineAt(text, strayClose)}: "}}" without an opening "{{"`);
    }
    if (open === -1) break;
    const scanned = scanAction(text, open);
    if ('problem' in scanned) {
      problems.push(`${file}:${lineAt(text, open)}: ${scanned.problem}`);
      break;
    }
    offset = scanned.end;
    if (scanned.comment) continue;

    const line = lineAt(text, open);
    const action: TemplateAction = {
      text: scanned.text,
      line,
      start: open,
      end: scanned.end,
      enclosing: stack.map((block) => block.kind),
    };
    actions.push(action);

    const keyword = /^[a-z]+/.exec(scanned.text)?.[0] ?? '';
    if (BLOCK_OPENERS.has(keyword as BlockKind)) {
      const name = /^(?:define|block)\s+"([^"]+)"/.exec(scanned.text)?.[1];
      stack.push({ kind: keyword as BlockKind, line, bodyStart: scanned.end, ...(name ? { name } : {}) });
    } else if (keyword === 'else') {
      const top = stack.at(-1);
      if (!top || !['if', 'with', 'range'].includes(top.kind)) {
        problems.push(`${file}:${line}: "else" outside an if, with or range`);
      }
    } else if (keyword === 'end') {
      const closed = stack.pop();
      if (!closed) problems.push(`${file}:${line}: "end" without an open block`);
      else if (closed.kind === 'define' && closed.name) {
        defines.push({
          name: closed.name,
          file,
          line: closed.line,
          body: text.slice(closed.bodyStart, open),
        });
      }
    }
  }
  for (const block of stack) problems.push(`${file}:${block.line}: "${block.kind}" is never closed by "end"`);
  return { file, actions, defines, problems };
}

type ScannedAction = { text: string; end: number; comment: boolean } | { problem: string };

/** Reads one action from `{{`, honouring strings and comments (which may hold braces). */
function scanAction(text: string, open: number): ScannedAction {
  let index = open + 2;
  if (text[index] === '-' && /\s/.test(text[index + 1] ?? '')) index += 2;
  while (/\s/.test(text[index] ?? '')) index += 1;
  if (text.startsWith('/*', index)) {
    const close = text.indexOf('*/', index + 2);
    if (close === -1) return { problem: 'comment "/*" is never closed' };
    const after = /^\s*(?:-\s*)?\}\}/.exec(text.slice(close + 2));
    if (!after) return { problem: 'a comment must end with "*/}}"' };
    return { text: '', end: close + 2 + after[0].length, comment: true };
  }
  const bodyStart = index;
  while (index < text.length) {
    const character = text[index]!;
    if (character === '"' || character === "'") {
      index += 1;
      while (index < text.length && text[index] !== character) {
        if (text[index] === '\\') index += 1;
        if (text[index] === '\n') return { problem: 'a string in an action runs past the end of its line' };
        index += 1;
      }
      index += 1;
      continue;
    }
    if (character === '`') {
      const close = text.indexOf('`', index + 1);
      if (close === -1) return { problem: 'a raw string in an action is never closed' };
      index = close + 1;
      continue;
    }
    if (text.startsWith('{{', index)) return { problem: '"{{" opens an action that is never closed by "}}"' };
    if (text.startsWith('}}', index)) {
      const body = text.slice(bodyStart, index).replace(/\s-$/, '').trim();
      return { text: body, end: index + 2, comment: false };
    }
    index += 1;
  }
  return { problem: '"{{" opens an action that is never closed by "}}"' };
}

/** Names a template includes (`include "x"`, `template "x"`), in order of appearance. */
export function includedNames(action: TemplateAction): string[] {
  return [...action.text.matchAll(/\b(?:include|template)\s+"([^"]+)"/g)].map((match) => match[1]!);
}

export interface ValuesReference {
  /** Dotted path under .Values, e.g. `gateway.secret.existingSecret`. */
  readonly path: string;
  /** `service`: a path inside every per-service values block (`.settings.x`, `$settings.x`). */
  readonly scope: 'values' | 'service';
  readonly line: number;
}

/**
 * Every `.Values` path an action reads, following `$variable := .Values.x` assignments made
 * earlier in the same source. `.settings` (the dict key shared helpers receive) and a
 * `$settings := index $.Values $valuesKey` lookup stand for each service's block. Any other
 * `index .Values ...` lookup cannot be checked and is reported as a problem.
 */
export function valuesReferences(parsed: ParsedTemplate): {
  references: ValuesReference[];
  problems: string[];
} {
  const references: ValuesReference[] = [];
  const problems: string[] = [];
  const variables = new Map<string, { scope: ValuesReference['scope']; path: string }>();
  const segment = '(?:\\.[A-Za-z_][A-Za-z0-9_]*)';

  for (const action of parsed.actions) {
    const text = action.text.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    const assignment = new RegExp(`^\\$([A-Za-z_][A-Za-z0-9_]*)\\s*:?=\\s*(.*)$`).exec(text);
    if (assignment) {
      const [, variable, expression] = assignment as unknown as [string, string, string];
      const direct = new RegExp(`^(?:\\$|\\.root)?\\.Values(${segment}+)$`).exec(expression.trim());
      if (direct) variables.set(variable, { scope: 'values', path: direct[1]!.slice(1) });
      else if (/^index\s+\$\.Values\s+\$valuesKey$/.test(expression.trim())) {
        variables.set(variable, { scope: 'service', path: '' });
      }
    }
    if (
      /\bindex\s+(?:\$|\.root)?\.Values\b/.test(text) &&
      !/^\$\w+\s*:=\s*index\s+\$\.Values\s+\$valuesKey$/.test(text)
    ) {
      problems.push(`${parsed.file}:${action.line}: an "index .Values" lookup the chart test cannot check`);
    }
    for (const match of text.matchAll(new RegExp(`(?<![\\w$])(?:\\$|\\.root)?\\.Values(${segment}+)`, 'g'))) {
      references.push({ path: match[1]!.slice(1), scope: 'values', line: action.line });
    }
    for (const match of text.matchAll(new RegExp(`(?<![\\w$])\\.settings(${segment}+)`, 'g'))) {
      references.push({ path: match[1]!.slice(1), scope: 'service', line: action.line });
    }
    for (const match of text.matchAll(new RegExp(`\\$([A-Za-z_][A-Za-z0-9_]*)(${segment}+)`, 'g'))) {
      const variable = variables.get(match[1]!);
      if (!variable) continue;
      const path = [variable.path, match[2]!.slice(1)].filter(Boolean).join('.');
      references.push({ path, scope: variable.scope, line: action.line });
    }
  }
  return { references, problems };
}

/** Whether `path` (dotted) names a key present in `values`, whatever its value (null included). */
export function hasValuesPath(values: unknown, path: string): boolean {
  let current: unknown = values;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return false;
    if (!Object.hasOwn(current, key)) return false;
    current = (current as Record<string, unknown>)[key];
  }
  return true;
}

export interface SetVariable {
  readonly name: string;
  /** Inside an if/with/range (here or at the include that brought it in): not always rendered. */
  readonly conditional: boolean;
  readonly where: string;
}

/**
 * The environment variable names a source sets, with the templates it includes expanded:
 * `- name: UPPER_CASE` list entries (a container's env) and `UPPER_CASE: value` map keys (a
 * ConfigMap's data). Lower-case names (containers, ports, volumes) are not variables.
 */
export function environmentVariablesSet(
  source: { file: string; text: string },
  defines: ReadonlyMap<string, NamedTemplate>,
  style: 'env-list' | 'data-map',
): SetVariable[] {
  const found: SetVariable[] = [];
  const visit = (file: string, text: string, conditional: boolean, trail: readonly string[]) => {
    const parsed = parseTemplate(file, text);
    const pattern =
      style === 'env-list'
        ? /^[ \t]*- name: ([A-Z_][A-Z0-9_]*)[ \t]*$/gm
        : /^[ \t]*([A-Z_][A-Z0-9_]*):[ \t]/gm;
    for (const match of text.matchAll(pattern)) {
      const offset = match.index;
      // The innermost action before the match tells which blocks enclose it.
      const before = parsed.actions.filter((action) => action.end <= offset).at(-1);
      const enclosing = before ? blocksAfter(before) : [];
      found.push({
        name: match[1]!,
        conditional: conditional || enclosing.some((kind) => kind !== 'define'),
        where: [...trail, `${file}:${lineAt(text, offset)}`].join(' → '),
      });
    }
    for (const action of parsed.actions) {
      for (const name of includedNames(action)) {
        const define = defines.get(name);
        if (!define || trail.length > 20) continue;
        const insideBlock = action.enclosing.some((kind) => kind !== 'define');
        visit(`${define.file} (define "${name}")`, define.body, conditional || insideBlock, [
          ...trail,
          `${file}:${action.line}`,
        ]);
      }
    }
  };
  visit(source.file, source.text, false, []);
  return found;
}

/** The blocks open just after an action: its own when it opens one, one fewer when it is an `end`. */
function blocksAfter(action: TemplateAction): readonly BlockKind[] {
  const keyword = /^[a-z]+/.exec(action.text)?.[0] ?? '';
  if (keyword === 'end') return action.enclosing.slice(0, -1);
  if (BLOCK_OPENERS.has(keyword as BlockKind)) return [...action.enclosing, keyword as BlockKind];
  return action.enclosing;
}

/** A source and, transitively, the bodies of the named templates it includes. */
export function withIncludedTemplates(
  source: { file: string; text: string },
  defines: ReadonlyMap<string, NamedTemplate>,
): { file: string; text: string }[] {
  const sources = [source];
  const seen = new Set<string>();
  for (let index = 0; index < sources.length; index += 1) {
    const current = sources[index]!;
    for (const action of parseTemplate(current.file, current.text).actions) {
      for (const name of includedNames(action)) {
        const define = defines.get(name);
        if (!define || seen.has(name)) continue;
        seen.add(name);
        sources.push({ file: `${define.file} (define "${name}")`, text: define.body });
      }
    }
  }
  return sources;
}
