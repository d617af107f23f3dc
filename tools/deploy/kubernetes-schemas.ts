// Rendered manifests checked offline against the schema of their kind: Kubernetes' own
// (kubernetes-models, generated from Kubernetes' OpenAPI) and prometheus-operator's for the
// ServiceMonitor. A manifest of a kind listed nowhere here is a problem, never a pass.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import * as core from 'kubernetes-models/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as monitoring from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';

export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: { readonly name?: string };
}

/** Each API version the chart may render: its models (classes with validate()) and their package. */
const apiVersions: Record<string, { models: Record<string, unknown>; module: string }> = {
  v1: { models: core, module: 'kubernetes-models/v1' },
  'apps/v1': { models: apps, module: 'kubernetes-models/apps/v1' },
  'autoscaling/v2': { models: autoscaling, module: 'kubernetes-models/autoscaling/v2' },
  'networking.k8s.io/v1': { models: networking, module: 'kubernetes-models/networking.k8s.io/v1' },
  'policy/v1': { models: policy, module: 'kubernetes-models/policy/v1' },
  'monitoring.coreos.com/v1': {
    models: monitoring,
    module: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
  },
};

type Model = (new (data: object) => { validate(): void }) & { apiVersion?: string; kind?: string };

const identity = (manifest: KubernetesObject) =>
  `${manifest.apiVersion} ${manifest.kind}/${manifest.metadata?.name ?? '?'}`;

function modelOf(manifest: KubernetesObject): Model | undefined {
  const model = apiVersions[manifest.apiVersion]?.models[manifest.kind] as Model | undefined;
  return typeof model === 'function' &&
    model.kind === manifest.kind &&
    model.apiVersion === manifest.apiVersion
    ? model
    : undefined;
}

/**
 * What the JSON schema of the manifest's kind finds: types, required fields, enums, patterns.
 * Like Kubernetes' published schemas, it lets unknown fields pass (see unknownFields).
 */
export function schemaProblems(manifest: KubernetesObject): string[] {
  const model = modelOf(manifest);
  if (!model) return [`${identity(manifest)}: no schema for this apiVersion and kind`];
  try {
    new model(manifest).validate();
    return [];
  } catch (error) {
    return [`${identity(manifest)}: ${(error as Error).message}`];
  }
}

/**
 * Fields the kind does not have, at any depth, as an API server with strict field validation
 * (kubectl's default) refuses them: each manifest is type-checked as an object literal of the
 * kind's interface from the same models, so TypeScript's excess-property check names every
 * field the schema lacks (the first of each manifest). Kinds without a schema are left to
 * schemaProblems.
 */
export function unknownFields(manifests: readonly KubernetesObject[]): string[] {
  const known = manifests.filter((manifest) => modelOf(manifest));
  // Inside this folder, so that the packages resolve as they do for this file.
  const file = join(dirname(fileURLToPath(import.meta.url)), '__rendered-manifests__.ts');
  const lines: string[] = [];
  const manifestAtLine: KubernetesObject[] = [];
  known.forEach((manifest, index) => {
    const module = `${apiVersions[manifest.apiVersion]!.module}/${manifest.kind}`;
    lines.push(`import type { I${manifest.kind} as T${index} } from '${module}';`);
  });
  known.forEach((manifest, index) => {
    for (const line of `export const m${index}: T${index} = ${JSON.stringify(manifest, null, 1)};`.split(
      '\n',
    )) {
      manifestAtLine[lines.length] = manifest;
      lines.push(line);
    }
  });
  const text = lines.join('\n');
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2024,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) =>
    name === file
      ? ts.createSourceFile(name, text, language)
      : getSourceFile.call(host, name, language, ...rest);
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? text : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  const source = program.getSourceFile(file)!;
  return ts.getPreEmitDiagnostics(program, source).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    if (diagnostic.start === undefined) return message;
    const { line } = source.getLineAndCharacterOfPosition(diagnostic.start);
    const manifest = manifestAtLine[line];
    const near = source.text.slice(diagnostic.start, diagnostic.start + 60).split('\n')[0];
    return manifest ? `${identity(manifest)}: ${message} (at ${near})` : message;
  });
}
