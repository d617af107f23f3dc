// Rewrites webex-meetings.subset.openapi.json from full copies of Cisco's Webex Meetings OpenAPI
// documents: only the operations listed in routes.json and the components they reference
// (transitively) are kept, so the repository carries what the conformance test reads and nothing else.
// Cisco publishes the meeting invitees operations in a separate document, so a route may come from
// any of the sources given; each route must be in exactly one of them.
// Usage: node libs/webex/openapi/refresh.mjs <webex-meetings.openapi.json> [<more source documents>...]
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

export class OpenApiSubsetError extends Error {
  constructor(message, context) {
    super(message);
    this.name = 'OpenApiSubsetError';
    this.context = context;
  }
}

const routesPath = fileURLToPath(new URL('./routes.json', import.meta.url));
const subsetPath = fileURLToPath(new URL('./webex-meetings.subset.openapi.json', import.meta.url));

const httpMethods = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

const decodePointer = (pointer) =>
  pointer.split('/').map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));

/** Every local "$ref" under a node, as [kind, name] of the components entry it points into. */
function* componentReferences(node) {
  if (Array.isArray(node)) {
    for (const item of node) yield* componentReferences(item);
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') {
      const [hash, components, kind, name] = decodePointer(value);
      // Only references into #/components can be followed without keeping other paths whole.
      if (hash !== '#' || components !== 'components' || !kind || !name)
        throw new OpenApiSubsetError(`unsupported $ref ${value}: only #/components/<kind>/<name> is kept`, {
          reference: value,
        });
      yield [kind, name];
    } else yield* componentReferences(value);
  }
}

export function subsetOf(document, routes) {
  if (typeof document?.openapi !== 'string' || !document.openapi.startsWith('3.') || !document.paths)
    throw new OpenApiSubsetError('the source is not an OpenAPI 3 document with paths', {
      openapi: document?.openapi,
    });
  const wanted = new Map();
  for (const route of routes) {
    const [method, path, ...rest] = route.split(' ');
    if (!httpMethods.has(method?.toLowerCase()) || !path?.startsWith('/') || rest.length > 0)
      throw new OpenApiSubsetError(`routes.json entry "${route}" is not "<METHOD> /path"`, { route });
    if (!document.paths[path]?.[method.toLowerCase()])
      throw new OpenApiSubsetError(`${route} is not in the source document`, { route });
    wanted.set(path, [...(wanted.get(path) ?? []), method.toLowerCase()]);
  }

  // Source order for paths, methods and components, so a refresh diff shows only real changes.
  const paths = {};
  for (const [path, item] of Object.entries(document.paths)) {
    if (!wanted.has(path)) continue;
    paths[path] = Object.fromEntries(
      Object.entries(item).filter(([key]) => !httpMethods.has(key) || wanted.get(path).includes(key)),
    );
  }

  const kept = new Set();
  const pending = [...componentReferences(paths)];
  while (pending.length > 0) {
    const [kind, name] = pending.pop();
    const key = `${kind}/${name}`;
    if (kept.has(key)) continue;
    const component = document.components?.[kind]?.[name];
    if (component === undefined)
      throw new OpenApiSubsetError(`#/components/${key} is referenced but not defined`, { kind, name });
    kept.add(key);
    pending.push(...componentReferences(component));
  }
  const components = {};
  for (const [kind, entries] of Object.entries(document.components ?? {})) {
    const keptEntries = Object.entries(entries).filter(([name]) => kept.has(`${kind}/${name}`));
    if (keptEntries.length > 0) components[kind] = Object.fromEntries(keptEntries);
  }

  const operations = Object.values(paths).flatMap((item) =>
    Object.entries(item)
      .filter(([key]) => httpMethods.has(key))
      .map(([, operation]) => operation),
  );
  const tagNames = new Set(operations.flatMap((operation) => operation.tags ?? []));
  const tags = (document.tags ?? []).filter((tag) => tagNames.has(tag.name));

  return {
    openapi: document.openapi,
    info: document.info,
    ...(tags.length > 0 ? { tags } : {}),
    paths,
    ...(Object.keys(components).length > 0 ? { components } : {}),
  };
}

const sameJson = (left, right) => JSON.stringify(left) === JSON.stringify(right);

/**
 * The subset over several source documents: each route is taken from the one source that has
 * it, with the components it references from that same source. `sources` is [{ name, document }];
 * the first one gives `openapi` and `info`.
 */
export function subsetOfSources(sources, routes) {
  if (sources.length === 0) throw new OpenApiSubsetError('no source document given', {});
  const routesBySource = sources.map(() => []);
  for (const route of routes) {
    const [method = '', path = ''] = route.split(' ');
    const holders = sources
      .map((source, index) => (source.document?.paths?.[path]?.[method.toLowerCase()] ? index : -1))
      .filter((index) => index >= 0);
    if (holders.length > 1)
      throw new OpenApiSubsetError(
        `${route} is in more than one source document (${holders.map((index) => sources[index].name).join(', ')})`,
        { route },
      );
    // A route in no source goes to the first, whose subsetOf names the missing route.
    routesBySource[holders[0] ?? 0].push(route);
  }
  const unused = sources.filter((_, index) => routesBySource[index].length === 0);
  if (unused.length > 0)
    throw new OpenApiSubsetError(
      `${unused.map((source) => source.name).join(', ')} holds none of the routes in routes.json`,
      { sources: unused.map((source) => source.name) },
    );

  const parts = sources.map((source, index) => subsetOf(source.document, routesBySource[index]));
  const paths = {};
  const components = {};
  const tags = [];
  parts.forEach((part, index) => {
    for (const [path, item] of Object.entries(part.paths)) {
      if (paths[path] !== undefined)
        throw new OpenApiSubsetError(`${path} comes from more than one source document`, { path });
      paths[path] = item;
    }
    for (const [kind, entries] of Object.entries(part.components ?? {})) {
      components[kind] ??= {};
      for (const [name, component] of Object.entries(entries)) {
        // The same name must mean the same thing, or a $ref would silently change meaning.
        if (components[kind][name] !== undefined && !sameJson(components[kind][name], component))
          throw new OpenApiSubsetError(
            `#/components/${kind}/${name} differs between the source documents (again in ${sources[index].name})`,
            { kind, name },
          );
        components[kind][name] = component;
      }
    }
    for (const tag of part.tags ?? []) if (!tags.some((kept) => kept.name === tag.name)) tags.push(tag);
  });
  return {
    openapi: parts[0].openapi,
    info: parts[0].info,
    ...(tags.length > 0 ? { tags } : {}),
    paths,
    ...(Object.keys(components).length > 0 ? { components } : {}),
  };
}

const usage =
  'usage: node libs/webex/openapi/refresh.mjs <webex-meetings.openapi.json> [<more source documents>...]';

async function main(sourceArguments) {
  if (sourceArguments.length === 0) throw new OpenApiSubsetError(usage, {});
  const sources = sourceArguments.map((sourceArgument) => {
    // npm run keeps the caller's directory in INIT_CWD; a relative path means relative to it.
    const sourcePath = resolve(process.env.INIT_CWD ?? process.cwd(), sourceArgument);
    const text = readFileSync(sourcePath, 'utf8');
    try {
      return { name: basename(sourcePath), text, document: JSON.parse(text) };
    } catch (error) {
      throw new OpenApiSubsetError(`${sourcePath} is not JSON: ${error.message}`, { sourcePath });
    }
  });
  const routes = JSON.parse(readFileSync(routesPath, 'utf8'));
  const subset = subsetOfSources(sources, routes);
  const withProvenance = {
    openapi: subset.openapi,
    info: subset.info,
    'x-subset': {
      sources: sources.map((source) => ({
        source: source.name,
        sha256: createHash('sha256').update(source.text).digest('hex'),
      })),
      takenOn: new Date().toISOString().slice(0, 10),
      keeps: 'the operations in routes.json and the components they reference, transitively',
    },
    ...subset,
  };
  const formatted = await prettier.format(JSON.stringify(withProvenance), {
    ...(await prettier.resolveConfig(subsetPath)),
    filepath: subsetPath,
  });
  writeFileSync(subsetPath, formatted);
  const counts = Object.entries(subset.components ?? {})
    .map(([kind, entries]) => `${Object.keys(entries).length} ${kind}`)
    .join(', ');
  console.log(
    `wrote ${subsetPath}: ${routes.length} operations on ${Object.keys(subset.paths).length} paths, ${counts || 'no components'} ` +
      `from ${subset.info?.title} ${subset.info?.version} (${sources.map((source) => source.name).join(', ')})`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(
      error instanceof OpenApiSubsetError ? `refresh: ${error.message}` : (error?.stack ?? String(error)),
    );
    process.exit(1);
  });
}
