import { createHash } from 'node:crypto';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

/**
 * Renders the subset of Helm's template language this chart uses, so that the test can parse
 * the manifests it produces. It is not Helm: it follows Go text/template and the Sprig
 * functions as documented for what the chart calls (and throws on anything else), including
 * the traps that matter here: a field read on a missing value fails as in Go, numbers from
 * values files are floats (printed 1e+06 from a million up unless converted with int/int64),
 * and `<no value>` prints as nothing. A chart change that needs more must extend it or be
 * checked with helm itself.
 */

/** A template stopped: `required`/`fail`, or a construct Go would reject. */
export class TemplateRenderError extends Error {
  constructor(
    readonly template: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${template}:${line}: ${reason}`);
    this.name = 'TemplateRenderError';
  }
}

/** Go's int (what int, int64, add and template number literals give); plain numbers are float64. */
class GoInt {
  constructor(readonly value: bigint) {}
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipeline: Pipeline; line: number }
  | { kind: 'if' | 'with'; branches: { pipeline: Pipeline; body: Node[]; line: number }[]; otherwise: Node[] }
  | { kind: 'range'; pipeline: Pipeline; body: Node[]; otherwise: Node[]; line: number };

interface Pipeline {
  readonly declare: readonly string[];
  readonly assign: boolean;
  readonly commands: readonly Token[][];
}

type Token =
  | { kind: 'field'; root: 'dot' | string; path: string[] }
  | { kind: 'literal'; value: unknown }
  | { kind: 'identifier'; name: string }
  | { kind: 'group'; pipeline: Pipeline };

interface RawToken {
  kind: 'text' | 'action';
  text: string;
  line: number;
}

function tokenize(name: string, source: string): RawToken[] {
  const tokens: RawToken[] = [];
  let offset = 0;
  let line = 1;
  let trimNext = false;
  while (offset <= source.length) {
    const open = source.indexOf('{{', offset);
    let text = source.slice(offset, open === -1 ? source.length : open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open === -1) {
      tokens.push({ kind: 'text', text, line });
      break;
    }
    const trimLeft = source[open + 2] === '-' && /\s/.test(source[open + 3] ?? '');
    if (trimLeft) text = text.replace(/\s+$/, '');
    tokens.push({ kind: 'text', text, line });
    line += (source.slice(offset, open).match(/\n/g) ?? []).length;
    const close = findClose(source, open + (trimLeft ? 3 : 2));
    if (close === -1) throw new TemplateRenderError(name, line, 'unclosed action');
    let body = source.slice(open + (trimLeft ? 3 : 2), close);
    trimNext = /\s-$/.test(body);
    if (trimNext) body = body.slice(0, -2);
    body = body.trim();
    if (!body.startsWith('/*')) tokens.push({ kind: 'action', text: body, line });
    line += (source.slice(open, close + 2).match(/\n/g) ?? []).length;
    offset = close + 2;
  }
  return tokens;
}

function findClose(source: string, from: number): number {
  let index = from;
  while (/\s/.test(source[index] ?? '')) index += 1;
  if (source.startsWith('/*', index)) {
    const end = source.indexOf('*/', index);
    return end === -1 ? -1 : source.indexOf('}}', end);
  }
  while (index < source.length) {
    const character = source[index]!;
    if (character === '"') {
      index += 1;
      while (index < source.length && source[index] !== '"') index += source[index] === '\\' ? 2 : 1;
    } else if (character === '`') {
      index = source.indexOf('`', index + 1);
      if (index === -1) return -1;
    } else if (source.startsWith('}}', index)) return index;
    index += 1;
  }
  return -1;
}

/** Splits an action's text into words: strings, parentheses, pipes, fields, numbers, identifiers. */
function words(text: string): string[] {
  const result: string[] = [];
  const pattern = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|\(|\)|\||:=|=|,|[^\s()|,]+)/gy;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) && match[1] !== undefined) result.push(match[1]);
  return result;
}

function parsePipeline(all: string[], name: string, line: number): Pipeline {
  let rest = all;
  let declare: string[] = [];
  let assign = false;
  const operator = rest.findIndex((word) => word === ':=' || word === '=');
  if (operator > 0 && rest.slice(0, operator).every((word) => word === ',' || word.startsWith('$'))) {
    declare = rest.slice(0, operator).filter((word) => word !== ',');
    assign = rest[operator] === '=';
    rest = rest.slice(operator + 1);
  }
  const commands: Token[][] = [[]];
  for (let index = 0; index < rest.length; index += 1) {
    const word = rest[index]!;
    if (word === '|') {
      commands.push([]);
      continue;
    }
    if (word === '(') {
      let depth = 1;
      let end = index + 1;
      for (; end < rest.length && depth > 0; end += 1) {
        if (rest[end] === '(') depth += 1;
        if (rest[end] === ')') depth -= 1;
      }
      commands
        .at(-1)!
        .push({ kind: 'group', pipeline: parsePipeline(rest.slice(index + 1, end - 1), name, line) });
      index = end - 1;
      continue;
    }
    commands.at(-1)!.push(operand(word, name, line));
  }
  return { declare, assign, commands };
}

function operand(word: string, name: string, line: number): Token {
  if (word.startsWith('"')) return { kind: 'literal', value: JSON.parse(word) as string };
  if (word.startsWith('`')) return { kind: 'literal', value: word.slice(1, -1) };
  if (/^-?\d+$/.test(word)) return { kind: 'literal', value: new GoInt(BigInt(word)) };
  if (word === 'true' || word === 'false') return { kind: 'literal', value: word === 'true' };
  if (word === 'nil') return { kind: 'literal', value: undefined };
  if (word === '.') return { kind: 'field', root: 'dot', path: [] };
  if (word.startsWith('.')) return { kind: 'field', root: 'dot', path: word.slice(1).split('.') };
  if (word.startsWith('$')) {
    const [variable, ...path] = word.split('.');
    return { kind: 'field', root: variable!, path };
  }
  if (/^[A-Za-z_]\w*$/.test(word)) return { kind: 'identifier', name: word };
  throw new TemplateRenderError(name, line, `cannot read "${word}"`);
}

/** Parses one file into nodes; `define` blocks go to `defines`. */
function parseNodes(name: string, source: string, defines: Map<string, Node[]>): Node[] {
  const tokens = tokenize(name, source);
  let index = 0;
  const block = (terminators: readonly string[]): { nodes: Node[]; ended: string } => {
    const nodes: Node[] = [];
    while (index < tokens.length) {
      const token = tokens[index++]!;
      if (token.kind === 'text') {
        if (token.text) nodes.push({ kind: 'text', text: token.text });
        continue;
      }
      const all = words(token.text);
      const keyword = all[0] ?? '';
      if (terminators.includes(keyword)) return { nodes, ended: token.text };
      if (keyword === 'define') {
        const body = block(['end']);
        defines.set(JSON.parse(all[1]!) as string, body.nodes);
      } else if (keyword === 'if' || keyword === 'with') {
        const branches = [
          { pipeline: parsePipeline(all.slice(1), name, token.line), body: [] as Node[], line: token.line },
        ];
        let otherwise: Node[] = [];
        for (;;) {
          const part = block(['else', 'end']);
          branches.at(-1)!.body = part.nodes;
          const next = words(part.ended);
          if (next[0] === 'end') break;
          if (next[1] === keyword) {
            branches.push({
              pipeline: parsePipeline(next.slice(2), name, token.line),
              body: [],
              line: token.line,
            });
            continue;
          }
          otherwise = block(['end']).nodes;
          break;
        }
        nodes.push({ kind: keyword, branches, otherwise });
      } else if (keyword === 'range') {
        const body = block(['else', 'end']);
        const otherwise = words(body.ended)[0] === 'else' ? block(['end']).nodes : [];
        nodes.push({
          kind: 'range',
          pipeline: parsePipeline(all.slice(1), name, token.line),
          body: body.nodes,
          otherwise,
          line: token.line,
        });
      } else nodes.push({ kind: 'action', pipeline: parsePipeline(all, name, token.line), line: token.line });
    }
    return { nodes, ended: '' };
  };
  return block([]).nodes;
}

function truthy(value: unknown): boolean {
  if (value instanceof GoInt) return value.value !== 0n;
  if (Array.isArray(value)) return value.length > 0;
  if (value !== null && typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

/** Go's %v of a value, with float64 in strconv's shortest 'g' form (1e+06 from a million up). */
function goString(value: unknown): string {
  if (value === undefined || value === null) return '<no value>';
  if (value instanceof GoInt) return value.value.toString();
  if (typeof value === 'number') {
    const [mantissa, power] = value.toExponential().split('e') as [string, string];
    const exponent = Number(power);
    if (value !== 0 && (exponent < -4 || exponent >= 6)) {
      return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
    }
    return String(value);
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(goString).join(' ')}]`;
  return `map[${Object.keys(value as object)
    .sort()
    .map((key) => `${key}:${goString((value as Record<string, unknown>)[key])}`)
    .join(' ')}]`;
}

function toInt(value: unknown): bigint {
  if (value instanceof GoInt) return value.value;
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  if (typeof value === 'string') return /^-?\d+$/.test(value.trim()) ? BigInt(value.trim()) : 0n;
  if (typeof value === 'boolean') return value ? 1n : 0n;
  return 0n;
}

/** A plain value for YAML output: GoInt becomes a number. */
function plain(value: unknown): unknown {
  if (value instanceof GoInt) return Number(value.value);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, plain(entry)]));
  }
  return value;
}

function semverSatisfies(constraint: string, version: string): boolean {
  const match = /^>=\s*v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(constraint.trim());
  const actual = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  if (!match || !actual) throw new Error(`semverCompare: only ">=x.y.z" is supported, got "${constraint}"`);
  const wanted = [match[1], match[2], match[3] ?? '0'].map(Number);
  const have = [actual[1], actual[2], actual[3] ?? '0'].map(Number);
  for (let index = 0; index < 3; index += 1) {
    if (have[index]! !== wanted[index]!) return have[index]! > wanted[index]!;
  }
  return true;
}

export interface Release {
  readonly name: string;
  readonly namespace: string;
  readonly kubeVersion: string;
}

export interface Chart {
  readonly name: string;
  readonly version: string;
  readonly appVersion: string;
}

/** Renders a chart's templates (path relative to the chart → source) like `helm template`. */
export function renderChart(
  chart: Chart,
  templates: ReadonlyMap<string, string>,
  values: Record<string, unknown>,
  release: Release,
): Map<string, string> {
  const defines = new Map<string, Node[]>();
  const files = new Map<string, Node[]>();
  for (const [path, source] of templates)
    files.set(`${chart.name}/${path}`, parseNodes(path, source, defines));
  for (const [name, nodes] of files) defines.set(name, nodes);

  const top = (templateName: string) => ({
    Values: values,
    Release: {
      Name: release.name,
      Namespace: release.namespace,
      Service: 'Helm',
      IsInstall: true,
      IsUpgrade: false,
    },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
    Capabilities: { KubeVersion: { Version: release.kubeVersion } },
    Template: { Name: templateName, BasePath: `${chart.name}/templates` },
  });

  const rendered = new Map<string, string>();
  for (const [name, nodes] of files) {
    const path = name.slice(chart.name.length + 1);
    if (path.split('/').at(-1)!.startsWith('_')) continue;
    const root = top(name);
    const output = renderNodes(nodes, {
      dot: root,
      root,
      variables: [new Map([['$', root]])],
      template: path,
      defines,
    });
    rendered.set(path, output.replaceAll('<no value>', ''));
  }
  return rendered;
}

interface Scope {
  readonly dot: unknown;
  readonly root: unknown;
  readonly variables: Map<string, unknown>[];
  readonly template: string;
  readonly defines: ReadonlyMap<string, Node[]>;
}

function renderNodes(nodes: readonly Node[], scope: Scope): string {
  let output = '';
  for (const node of nodes) {
    if (node.kind === 'text') output += node.text;
    else if (node.kind === 'action') {
      const value = run(node.pipeline, scope, node.line);
      if (node.pipeline.declare.length === 0) output += goString(value);
    } else if (node.kind === 'if' || node.kind === 'with') {
      let taken = false;
      for (const branch of node.branches) {
        const inner = { ...scope, variables: [...scope.variables, new Map<string, unknown>()] };
        const value = run(branch.pipeline, inner, branch.line);
        if (truthy(value)) {
          output += renderNodes(branch.body, node.kind === 'with' ? { ...inner, dot: value } : inner);
          taken = true;
          break;
        }
      }
      if (!taken) output += renderNodes(node.otherwise, scope);
    } else if (node.kind === 'range') {
      const collection = run({ ...node.pipeline, declare: [] }, scope, node.line);
      const entries: [unknown, unknown][] = Array.isArray(collection)
        ? collection.map((item, position) => [new GoInt(BigInt(position)), item])
        : collection !== null && typeof collection === 'object'
          ? Object.keys(collection)
              .sort()
              .map((key) => [key, (collection as Record<string, unknown>)[key]])
          : [];
      if (entries.length === 0) output += renderNodes(node.otherwise, scope);
      for (const [key, item] of entries) {
        const frame = new Map<string, unknown>();
        const names = node.pipeline.declare;
        if (names.length === 1) frame.set(names[0]!, item);
        if (names.length === 2) {
          frame.set(names[0]!, key);
          frame.set(names[1]!, item);
        }
        output += renderNodes(node.body, { ...scope, dot: item, variables: [...scope.variables, frame] });
      }
    }
  }
  return output;
}

function run(pipeline: Pipeline, scope: Scope, line: number): unknown {
  let value: unknown;
  let piped = false;
  for (const command of pipeline.commands) {
    value = evaluateCommand(command, scope, line, piped ? [value] : []);
    piped = true;
  }
  if (pipeline.declare.length === 1) {
    const name = pipeline.declare[0]!;
    if (pipeline.assign) {
      const frame = [...scope.variables].reverse().find((variables) => variables.has(name));
      if (!frame) throw new TemplateRenderError(scope.template, line, `undefined variable ${name}`);
      frame.set(name, value);
    } else scope.variables.at(-1)!.set(name, value);
  }
  return value;
}

function evaluateCommand(command: readonly Token[], scope: Scope, line: number, piped: unknown[]): unknown {
  const [head, ...rest] = command;
  if (!head) throw new TemplateRenderError(scope.template, line, 'empty command');
  if (head.kind === 'identifier') {
    const args = [...rest.map((token) => evaluate(token, scope, line)), ...piped];
    return call(head.name, args, scope, line);
  }
  if (rest.length > 0 || piped.length > 0) {
    throw new TemplateRenderError(scope.template, line, "can't give an argument to a non-function");
  }
  return evaluate(head, scope, line);
}

function evaluate(token: Token, scope: Scope, line: number): unknown {
  if (token.kind === 'literal') return token.value;
  if (token.kind === 'group') return run(token.pipeline, scope, line);
  if (token.kind === 'identifier') return call(token.name, [], scope, line);
  let value: unknown;
  if (token.root === 'dot') value = scope.dot;
  else {
    const frame = [...scope.variables].reverse().find((variables) => variables.has(token.root));
    if (!frame) throw new TemplateRenderError(scope.template, line, `undefined variable ${token.root}`);
    value = frame.get(token.root);
  }
  for (const key of token.path) {
    if (value === undefined || value === null) {
      throw new TemplateRenderError(scope.template, line, `nil pointer evaluating interface {}.${key}`);
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new TemplateRenderError(scope.template, line, `can't evaluate field ${key} in ${typeof value}`);
    }
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function call(name: string, args: unknown[], scope: Scope, line: number): unknown {
  const fail = (reason: string): never => {
    throw new TemplateRenderError(scope.template, line, reason);
  };
  const text = (value: unknown) => (typeof value === 'string' ? value : goString(value));
  const empty = (value: unknown) => !truthy(value);
  switch (name) {
    case 'include': {
      const body = scope.defines.get(text(args[0]));
      if (!body) return fail(`no template "${text(args[0])}"`);
      return renderNodes(body, { ...scope, dot: args[1], variables: [new Map([['$', args[1]]])] }).replaceAll(
        '<no value>',
        '',
      );
    }
    case 'required':
      return args[1] === undefined || args[1] === null || args[1] === ''
        ? fail(`required: ${text(args[0])}`)
        : args[1];
    case 'fail':
      return fail(`fail: ${text(args[0])}`);
    case 'default':
      return empty(args[1]) ? args[0] : args[1];
    case 'quote':
      return args
        .filter((value) => value !== undefined && value !== null)
        .map((value) => JSON.stringify(text(value)))
        .join(' ');
    case 'toYaml': {
      const output = stringifyYaml(plain(args[0]) ?? null, {
        indentSeq: false,
        sortMapEntries: true,
        lineWidth: 0,
      });
      return output.replace(/\n$/, '');
    }
    case 'fromYaml':
      return parseYaml(text(args[0])) ?? {};
    case 'nindent':
    case 'indent': {
      const pad = ' '.repeat(Number(toInt(args[0])));
      const indented = pad + text(args[1]).replaceAll('\n', `\n${pad}`);
      return name === 'nindent' ? `\n${indented}` : indented;
    }
    case 'printf': {
      const rest = args.slice(1);
      return text(args[0]).replace(/%[sdv%]/g, (verb) => (verb === '%%' ? '%' : text(rest.shift())));
    }
    case 'print':
      return args
        .map((value, index) =>
          index > 0 && typeof value !== 'string' && typeof args[index - 1] !== 'string'
            ? ` ${text(value)}`
            : text(value),
        )
        .join('');
    case 'dict': {
      const result: Record<string, unknown> = {};
      for (let index = 0; index + 1 < args.length; index += 2) result[text(args[index])] = args[index + 1];
      return result;
    }
    case 'list':
      return [...args];
    case 'append':
      return [...((args[0] as unknown[] | undefined) ?? []), args[1]];
    case 'join':
      return ((args[1] as unknown[] | undefined) ?? []).map(text).join(text(args[0]));
    case 'trunc':
      return text(args[1]).slice(0, Number(toInt(args[0])));
    case 'trimSuffix': {
      const value = text(args[1]);
      const suffix = text(args[0]);
      return suffix && value.endsWith(suffix) ? value.slice(0, -suffix.length) : value;
    }
    case 'replace':
      return text(args[2]).replaceAll(text(args[0]), text(args[1]));
    case 'contains':
      return text(args[1]).includes(text(args[0]));
    case 'b64enc':
      return Buffer.from(text(args[0]), 'utf8').toString('base64');
    case 'sha256sum':
      return createHash('sha256').update(text(args[0])).digest('hex');
    case 'int':
    case 'int64':
      return new GoInt(toInt(args[0]));
    case 'add':
      return new GoInt(args.reduce<bigint>((sum, value) => sum + toInt(value), 0n));
    case 'div':
      return new GoInt(toInt(args[0]) / toInt(args[1]));
    case 'gt': {
      const [left, right] = args;
      if (left instanceof GoInt !== right instanceof GoInt) return fail('incompatible types for comparison');
      return (
        Number(left instanceof GoInt ? left.value : left) >
        Number(right instanceof GoInt ? right.value : right)
      );
    }
    case 'not':
      return !truthy(args[0]);
    case 'and':
      return args.find((value) => !truthy(value)) ?? args.at(-1);
    case 'or':
      return args.find((value) => truthy(value)) ?? args.at(-1);
    case 'index': {
      let value = args[0];
      for (const key of args.slice(1)) {
        if (value === undefined || value === null) return fail('index of untyped nil');
        value = (value as Record<string, unknown>)[text(key)];
      }
      return value;
    }
    case 'semverCompare':
      return semverSatisfies(text(args[0]), text(args[1]));
    default:
      return fail(`function "${name}" is not supported by the chart test's renderer`);
  }
}
