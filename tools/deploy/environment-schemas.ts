import ts from 'typescript';

/**
 * The environment variables a zod schema in a TypeScript source declares, read from the source
 * text. Tools may not import a service (eslint.config.mjs), so the Helm chart's test reads each
 * service's `config.ts` instead; the bases it extends are imported for real and compared.
 */
export interface DeclaredEnvironment {
  /** The identifier the schema extends (`platformEnvironment`), or undefined for `z.object({...})`. */
  readonly extends: string | undefined;
  readonly variables: ReadonlyMap<string, { readonly required: boolean }>;
}

/** A schema written in a way this reader does not understand; guessing would hide drift. */
export class UnreadableEnvironmentSchemaError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'UnreadableEnvironmentSchemaError';
  }
}

// A zod call in the chain that makes the key's input optional.
const OPTIONAL_MARKERS = new Set(['optional', 'default', 'prefault', 'catch', 'nullish']);

export interface ReadOptions {
  /**
   * Objects of schema factories the source calls (`env.url(...)`), by identifier, as source text
   * of an object literal of arrow functions: a factory that adds `.default()` itself
   * (`env.logLevel()`) makes its key optional.
   */
  readonly factories?: Readonly<Record<string, { readonly file: string; readonly text: string }>>;
}

/** Reads the shape of `export const <exportName> = <base>.extend({...})` or `= z.object({...})`. */
export function readDeclaredEnvironment(
  file: string,
  text: string,
  exportName: string,
  options: ReadOptions = {},
): DeclaredEnvironment {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2024, true);
  const constants = topLevelConstants(source);
  const factories = new Map<string, { source: ts.SourceFile; members: Map<string, ts.Expression> }>();
  for (const [name, factory] of Object.entries(options.factories ?? {})) {
    const factorySource = ts.createSourceFile(factory.file, factory.text, ts.ScriptTarget.ES2024, true);
    const literal = topLevelConstants(factorySource).get(name);
    if (!literal || !ts.isObjectLiteralExpression(literal)) {
      throw new UnreadableEnvironmentSchemaError(
        factory.file,
        1,
        `no object literal "const ${name} = {...}"`,
      );
    }
    factories.set(name, { source: factorySource, members: factoryMembers(factorySource, literal) });
  }

  const declaration = constants.get(exportName);
  if (!declaration) throw new UnreadableEnvironmentSchemaError(file, 1, `no top-level "const ${exportName}"`);
  const fail = (node: ts.Node, reason: string): never => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    throw new UnreadableEnvironmentSchemaError(file, line + 1, reason);
  };

  const { base, shape } = findShape(declaration, fail);
  const variables = new Map<string, { required: boolean }>();
  for (const property of shape.properties) {
    if (!ts.isPropertyAssignment(property)) {
      fail(property, 'only "NAME: schema" properties can be read (no spreads, shorthands or methods)');
    }
    const assignment = property as ts.PropertyAssignment;
    const name =
      ts.isIdentifier(assignment.name) || ts.isStringLiteral(assignment.name)
        ? assignment.name.text
        : fail(assignment.name, 'a computed property name cannot be read');
    const optional = hasOptionalMarker(assignment.initializer, { constants, factories, fail }, new Set());
    variables.set(name, { required: !optional });
  }
  return { extends: base, variables };
}

interface Scope {
  readonly constants: ReadonlyMap<string, ts.Expression>;
  readonly factories: ReadonlyMap<string, { members: ReadonlyMap<string, ts.Expression> }>;
  readonly fail: (node: ts.Node, reason: string) => never;
}

function topLevelConstants(source: ts.SourceFile): Map<string, ts.Expression> {
  const constants = new Map<string, ts.Expression>();
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (ts.isIdentifier(declaration.name) && declaration.initializer) {
        constants.set(declaration.name.text, declaration.initializer);
      }
    }
  }
  return constants;
}

/** `{ url: (schemes) => z.string()..., logLevel: () => z.enum(...).default('info') }` → name → returned expression. */
function factoryMembers(
  source: ts.SourceFile,
  literal: ts.ObjectLiteralExpression,
): Map<string, ts.Expression> {
  const members = new Map<string, ts.Expression>();
  for (const property of literal.properties) {
    if (!ts.isPropertyAssignment(property) || !ts.isIdentifier(property.name)) continue;
    const value = property.initializer;
    if (ts.isArrowFunction(value) && !ts.isBlock(value.body)) members.set(property.name.text, value.body);
    else {
      const { line } = source.getLineAndCharacterOfPosition(property.getStart(source));
      throw new UnreadableEnvironmentSchemaError(
        source.fileName,
        line + 1,
        `factory "${property.name.text}" must be an arrow function returning a schema expression`,
      );
    }
  }
  return members;
}

/** Walks `<base>.extend({...}).superRefine(...)` inwards to the shape literal. */
function findShape(
  expression: ts.Expression,
  fail: Scope['fail'],
): { base: string | undefined; shape: ts.ObjectLiteralExpression } {
  let current: ts.Expression = expression;
  while (ts.isCallExpression(current) && ts.isPropertyAccessExpression(current.expression)) {
    const callee = current.expression;
    const argument = current.arguments[0];
    const isExtend = callee.name.text === 'extend' && ts.isIdentifier(callee.expression);
    const isObject =
      callee.name.text === 'object' && ts.isIdentifier(callee.expression) && callee.expression.text === 'z';
    if (isExtend || isObject) {
      if (!argument || !ts.isObjectLiteralExpression(argument)) {
        return fail(current, 'the shape must be an object literal');
      }
      return { base: isExtend ? (callee.expression as ts.Identifier).text : undefined, shape: argument };
    }
    current = callee.expression;
  }
  return fail(expression, 'expected "<base>.extend({...})" or "z.object({...})"');
}

function hasOptionalMarker(expression: ts.Expression, scope: Scope, visiting: Set<string>): boolean {
  if (ts.isParenthesizedExpression(expression) || ts.isAsExpression(expression)) {
    return hasOptionalMarker(expression.expression, scope, visiting);
  }
  if (ts.isCallExpression(expression)) {
    const callee = expression.expression;
    if (ts.isPropertyAccessExpression(callee)) {
      if (OPTIONAL_MARKERS.has(callee.name.text)) return true;
      // env.logLevel(): look inside the factory.
      if (ts.isIdentifier(callee.expression) && scope.factories.has(callee.expression.text)) {
        const body = scope.factories.get(callee.expression.text)!.members.get(callee.name.text);
        if (!body) return scope.fail(callee, `unknown factory ${callee.expression.text}.${callee.name.text}`);
        return hasOptionalMarker(body, scope, visiting);
      }
      return hasOptionalMarker(callee.expression, scope, visiting);
    }
    return scope.fail(expression, 'a schema must be built by method calls (z.string().min(1), env.url(...))');
  }
  if (ts.isPropertyAccessExpression(expression))
    return hasOptionalMarker(expression.expression, scope, visiting);
  if (ts.isIdentifier(expression)) {
    const constant = scope.constants.get(expression.text);
    // `z` and imported factories are roots: nothing optional about them by themselves.
    if (!constant) return false;
    if (visiting.has(expression.text)) return scope.fail(expression, `"${expression.text}" refers to itself`);
    visiting.add(expression.text);
    return hasOptionalMarker(constant, scope, visiting);
  }
  return scope.fail(expression, `cannot read a schema of kind ${ts.SyntaxKind[expression.kind]}`);
}
