// Rewrites webex-meetings.subset.openapi.json from a full copy of Cisco's Webex Meetings OpenAPI
// document: only the operations listed in routes.json and the components they reference
// (transitively) are kept, so the repository carries what the conformance test reads and nothing else.
// Usage: node libs/webex/openapi/refresh.mjs <path-to-full-webex-meetings.openapi.json>
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

async function main(sourceArgument) {
  if (!sourceArgument)
    throw new OpenApiSubsetError(
      'usage: node libs/webex/openapi/refresh.mjs <path-to-full-webex-meetings.openapi.json>',
      {},
    );
  // npm run keeps the caller's directory in INIT_CWD; a relative path means relative to it.
  const sourcePath = resolve(process.env.INIT_CWD ?? process.cwd(), sourceArgument);
  const text = readFileSync(sourcePath, 'utf8');
  let document;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new OpenApiSubsetError(`${sourcePath} is not JSON: ${error.message}`, { sourcePath });
  }
  const routes = JSON.parse(readFileSync(routesPath, 'utf8'));
  const subset = subsetOf(document, routes);
  const withProvenance = {
    openapi: subset.openapi,
    info: subset.info,
    'x-subset': {
      source: basename(sourcePath),
      sha256: createHash('sha256').update(text).digest('hex'),
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
      `from ${subset.info?.title} ${subset.info?.version} (${basename(sourcePath)})`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv[2]).catch((error) => {
    console.error(
      error instanceof OpenApiSubsetError ? `refresh: ${error.message}` : (error?.stack ?? String(error)),
    );
    process.exit(1);
  });
}
