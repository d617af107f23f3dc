// The Helm chart (deploy/k8s/scheduler) checked by the real helm: `helm lint --strict` and
// `helm template` over the chart's defaults and every ci/*-values.yaml, each rendered manifest
// validated against the Kubernetes schema of its kind, and each Deployment against its
// service's zod configuration, so that the chart cannot silently drift from the services.
//
// Tools may not import a service (eslint.config.mjs), so each service's config.ts is read as
// source text (./environment-schemas.ts); the bases every service extends are imported from
// their libs for real, and the reader is checked against them.
//
// helm is the one ./helm-binary.ts finds (npm test builds it into .tools/bin with Go). Without
// one, the tests that need it are skipped with one line saying why.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { serviceEnvironment } from '@scheduler/config';
import { projectToolsBin } from '@scheduler/local-infra';
import { platformEnvironment } from '@scheduler/runtime';
import { readDeclaredEnvironment, UnreadableEnvironmentSchemaError } from './environment-schemas.js';
import {
  helmBuildFinished,
  helmBuildLog,
  helmMissingReason,
  helmVersion,
  locateHelm,
  pinnedHelmVersion,
  projectHelm,
} from './helm-binary.js';
import { schemaProblems, unknownFields } from './kubernetes-schemas.js';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const chartDirectory = join(repositoryRoot, 'deploy/k8s/scheduler');
const readRepositoryFile = (path: string) => readFileSync(join(repositoryRoot, path), 'utf8');
const readChartFile = (path: string) => readFileSync(join(chartDirectory, path), 'utf8');

type Values = Record<string, unknown>;

const values = parseYaml(readChartFile('values.yaml')) as Values;
const overlayFiles = readdirSync(join(chartDirectory, 'ci'))
  .filter((name) => name.endsWith('-values.yaml'))
  .sort();

/** The chart's own list of services (define "scheduler.services" in _helpers.tpl): service name → values key. */
const chartServices = parseYaml(
  /\{\{- define "scheduler\.services" -\}\}\n([\s\S]*?)\{\{- end \}\}/.exec(
    readChartFile('templates/_helpers.tpl'),
  )?.[1] ?? '{}',
) as Record<string, string>;
const serviceDirectories = readdirSync(join(repositoryRoot, 'services'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

function isMap(value: unknown): value is Values {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function valueAt(object: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((current, key) => (isMap(current) ? current[key] : undefined), object);
}
/** Helm's coalescing of values files: maps merge, anything else replaces, null deletes. */
function coalesce(defaults: unknown, overrides: unknown): unknown {
  if (!isMap(defaults) || !isMap(overrides)) return overrides === undefined ? defaults : overrides;
  const merged: Values = { ...defaults };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === null) delete merged[key];
    else merged[key] = coalesce(defaults[key], value);
  }
  return merged;
}
/** The values helm renders ci/<name> with, for the expectations the tests derive from them. */
const overlay = (name: string) => coalesce(values, parseYaml(readChartFile(`ci/${name}`))) as Values;

// ---------------------------------------------------------------------------------------------
// The environment each service's zod configuration declares.

/** Keys each zod schema accepts, and whether a missing key fails validation. */
function zodVariables(shape: Record<string, { safeParse(input: unknown): { success: boolean } }>) {
  return new Map(
    Object.entries(shape).map(([name, field]) => [name, { required: !field.safeParse(undefined).success }]),
  );
}
const bases = {
  serviceEnvironment: zodVariables(serviceEnvironment.shape),
  platformEnvironment: zodVariables(platformEnvironment.shape),
};
const envFactories = {
  env: { file: 'libs/config/src/load-config.ts', text: readRepositoryFile('libs/config/src/load-config.ts') },
};

/** A service's declared environment: its config.ts extension over a base imported for real. */
function serviceVariables(service: string): Map<string, { required: boolean }> {
  const file = `services/${service}/src/config.ts`;
  const text = readRepositoryFile(file);
  const exportName = /export const (\w+Environment)\s*=/.exec(text)?.[1];
  if (!exportName)
    throw new UnreadableEnvironmentSchemaError(file, 1, 'no "export const <name>Environment ="');
  const declared = readDeclaredEnvironment(file, text, exportName, { factories: envFactories });
  const base = bases[declared.extends as keyof typeof bases];
  if (!base) {
    throw new UnreadableEnvironmentSchemaError(
      file,
      1,
      `extends "${declared.extends}", which the chart test does not know`,
    );
  }
  return new Map([...base, ...declared.variables]);
}

describe('the environment-schema reader', () => {
  it('agrees with zod on the schemas it can compare: serviceEnvironment and platformEnvironment', () => {
    const loadConfig = readDeclaredEnvironment(
      'libs/config/src/load-config.ts',
      readRepositoryFile('libs/config/src/load-config.ts'),
      'serviceEnvironment',
      { factories: envFactories },
    );
    expect(loadConfig.extends).toBeUndefined();
    expect(Object.fromEntries(loadConfig.variables)).toEqual(Object.fromEntries(bases.serviceEnvironment));

    const personalData = readDeclaredEnvironment(
      'libs/runtime/src/event-platform/personal-data.ts',
      readRepositoryFile('libs/runtime/src/event-platform/personal-data.ts'),
      'platformEnvironment',
      { factories: envFactories },
    );
    expect(personalData.extends).toBe('serviceEnvironment');
    const extension = [...bases.platformEnvironment].filter(([name]) => !bases.serviceEnvironment.has(name));
    expect(Object.fromEntries(personalData.variables)).toEqual(Object.fromEntries(extension));
  });

  it('tells optional from required through local constants and factories', () => {
    const source = `
      const list = z.string().transform((text) => text.split(',')).pipe(z.array(z.string()).min(1));
      const named = z.string().regex(/^a/);
      export const example = platformEnvironment.extend({
        A: list,
        B: named.default('a'),
        C: env.milliseconds().optional(),
        D: env.logLevel(),
        'E': z.coerce.number().int(),
      }).superRefine(check);`;
    const factories = {
      env: {
        file: 'env.ts',
        text: `const env = { milliseconds: () => z.coerce.number(), logLevel: () => z.enum(['a']).default('a') };`,
      },
    };
    const read = readDeclaredEnvironment('example.ts', source, 'example', { factories });
    expect(read.extends).toBe('platformEnvironment');
    expect(Object.fromEntries([...read.variables].map(([name, { required }]) => [name, required]))).toEqual({
      A: true,
      B: false,
      C: false,
      D: false,
      E: true,
    });
  });

  it('refuses a shape it cannot read instead of guessing', () => {
    const read = (shape: string) => () =>
      readDeclaredEnvironment('bad.ts', `export const bad = platformEnvironment.extend(${shape});`, 'bad');
    expect(read('{ ...other }')).toThrow(UnreadableEnvironmentSchemaError);
    expect(read('{ [name]: z.string() }')).toThrow(/computed property name/);
    expect(read('shape')).toThrow(/object literal/);
    expect(read('{ A: pick(z.string()) }')).toThrow(/method calls/);
  });

  it.each(serviceDirectories)('reads a configuration with required variables from %s', (service) => {
    const required = [...serviceVariables(service)].filter(([, { required }]) => required);
    expect(required.length).toBeGreaterThan(5);
  });
});

// ---------------------------------------------------------------------------------------------
// The chart's files, without helm.

describe('the chart', () => {
  it('is a Helm 3 application chart whose appVersion is the project version', () => {
    const chart = parseYaml(readChartFile('Chart.yaml')) as Values;
    const project = JSON.parse(readRepositoryFile('package.json')) as { version: string };
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'scheduler', type: 'application' });
    expect(chart['appVersion']).toBe(project.version);
  });

  it('covers exactly the services in services/, each with its ConfigMap, Secret and Deployment', () => {
    expect(Object.keys(chartServices).sort()).toEqual(serviceDirectories);
    for (const [service, valuesKey] of Object.entries(chartServices)) {
      expect(isMap(values[valuesKey])).toBe(true);
      for (const kind of ['configmap', 'secret', 'deployment']) {
        expect(readdirSync(join(chartDirectory, 'templates', service))).toContain(`${kind}.yaml`);
      }
    }
  });

  it('holds no secret value in values.yaml', () => {
    for (const key of ['platform', ...Object.values(chartServices)]) {
      const block = valueAt(values, `${key}.secret`);
      expect(isMap(block)).toBe(true);
      for (const [name, value] of Object.entries(block as Values)) {
        expect({ path: `${key}.secret.${name}`, value }).toEqual({
          path: `${key}.secret.${name}`,
          value: '',
        });
      }
    }
  });
});

/**
 * The `.Values` paths a template reads, with its line. helm renders a misspelt path as nothing,
 * and `helm lint --strict` lets it pass, so the templates are read for them: `.Values.a.b`
 * (also through `$` and `.root`), a service's `.settings.a` (checked under every service's
 * values key), and variables assigned from either (`$x := .Values.a` then `$x.b`;
 * `$settings := index $.Values $valuesKey`).
 */
function valuesPathsRead(file: string, text: string) {
  const paths: { file: string; line: number; scope: 'values' | 'service'; path: string }[] = [];
  const variables = new Map<string, { scope: 'values' | 'service'; path: string }>();
  for (const action of text.matchAll(/\{\{(?!-?\s*\/\*)-?([\s\S]*?)-?\}\}/g)) {
    const line = text.slice(0, action.index).split('\n').length;
    const body = action[1]!;
    const read = (scope: 'values' | 'service', path: string) => paths.push({ file, line, scope, path });
    for (const match of body.matchAll(
      /\$(\w+)\s*:?=\s*(?:(?:\$|\.root)?\.Values((?:\.\w+)*)(?![\w.])|\.settings((?:\.\w+)*)|index \$\.Values \$valuesKey)/g,
    )) {
      variables.set(
        match[1]!,
        match[2] !== undefined
          ? { scope: 'values', path: match[2].slice(1) }
          : { scope: 'service', path: (match[3] ?? '').slice(1) },
      );
    }
    for (const match of body.matchAll(/(?:\$|\.root)?\.Values((?:\.\w+)+)/g))
      read('values', match[1]!.slice(1));
    for (const match of body.matchAll(/(?<![\w$])\.settings((?:\.\w+)+)/g))
      read('service', match[1]!.slice(1));
    for (const match of body.matchAll(/\$(\w+)((?:\.\w+)+)/g)) {
      const variable = variables.get(match[1]!);
      if (variable) read(variable.scope, [variable.path, match[2]!.slice(1)].filter(Boolean).join('.'));
    }
  }
  return paths;
}
function hasValuesPath(object: unknown, path: string): boolean {
  let current = object;
  for (const key of path.split('.')) {
    if (!isMap(current) || !(key in current)) return false;
    current = current[key];
  }
  return true;
}
function templateFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? templateFiles(join(directory, entry.name)) : [join(directory, entry.name)],
  );
}

describe('the templates', () => {
  it('read .Values paths the way valuesPathsRead says', () => {
    const read = valuesPathsRead(
      't.yaml',
      '{{- $x := .Values.a.b }}{{ $x.c }}{{ .root.Values.d }}\n{{ .settings.e.f }}{{ $settings := index $.Values $valuesKey }}{{ $settings.g }}{{/* .Values.comment */}}',
    );
    expect(read.map(({ line, scope, path }) => `${line}:${scope}:${path}`)).toEqual([
      '1:values:a.b',
      '1:values:a.b.c',
      '1:values:d',
      '2:service:e.f',
      '2:service:g',
    ]);
  });

  it('read only .Values paths that exist in values.yaml', () => {
    const missing = templateFiles(join(chartDirectory, 'templates')).flatMap((path) =>
      valuesPathsRead(path.slice(chartDirectory.length + 1), readFileSync(path, 'utf8')).flatMap(
        (reference) =>
          (reference.scope === 'values'
            ? [reference.path]
            : Object.values(chartServices).map((key) => `${key}.${reference.path}`)
          )
            .filter((path) => !hasValuesPath(values, path))
            .map((path) => `${reference.file}:${reference.line} .Values.${path}`),
      ),
    );
    expect(missing).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// helm.

// The preflight may still be building helm: this file runs last (libs/testing/test-sequencer.mjs)
// and waits for that build here, so the build overlaps the rest of the run.
await helmBuildFinished(projectToolsBin);
const helmBinary = locateHelm(projectToolsBin);
// A user's machine without Go skips them; CI has Go, so a missing helm there is a failure.
const skipWithoutHelm = !helmBinary && !process.env.CI;
if (skipWithoutHelm)
  console.warn(`tools/deploy/chart.unit.spec.ts: Helm chart tests skipped: ${helmMissingReason}`);
const withHelm = helmBinary ? describe : describe.skip;
if (!helmBinary) {
  describe('the Helm chart checked by helm', () => {
    if (skipWithoutHelm) it.skip(`is skipped: ${helmMissingReason}`, () => undefined);
    else
      it('has a helm to run in CI', () => {
        throw new Error(`${helmMissingReason} (the preflight's build log: ${helmBuildLog(projectToolsBin)})`);
      });
  });
}

const releaseName = 'prod';
const namespace = 'scheduler';
const kubeVersion = '1.31.0';
// Helm's own home folders, so that no user's repositories or plugins take part.
const scratch = mkdtempSync(join(tmpdir(), 'scheduler-chart-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let scratchFiles = 0;

interface HelmResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runHelm(args: readonly string[]): HelmResult {
  const result = spawnSync(helmBinary!, args, {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
    env: {
      ...process.env,
      HELM_CACHE_HOME: join(scratch, 'cache'),
      HELM_CONFIG_HOME: join(scratch, 'config'),
      HELM_DATA_HOME: join(scratch, 'data'),
      // No cluster is ever reached: `install --dry-run=client` renders offline.
      KUBECONFIG: join(scratch, 'no-kubeconfig'),
    },
  });
  return {
    status: result.status,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? String(result.error ?? ''),
  };
}

/** One -f per ci/ file, then one for values given inline (written to a scratch file as JSON). */
interface ValuesSource {
  readonly ciFiles?: readonly string[];
  readonly inline?: Values;
}
function valuesArguments({ ciFiles = [], inline }: ValuesSource): string[] {
  const files = ciFiles.map((name) => join(chartDirectory, 'ci', name));
  if (inline) {
    scratchFiles += 1;
    const file = join(scratch, `values-${scratchFiles}.json`);
    writeFileSync(file, JSON.stringify(inline));
    files.push(file);
  }
  return files.flatMap((file) => ['-f', file]);
}

const lint = (source: ValuesSource) =>
  runHelm(['lint', chartDirectory, '--strict', '--kube-version', kubeVersion, ...valuesArguments(source)]);

const template = (source: ValuesSource, kube = kubeVersion) =>
  runHelm([
    'template',
    releaseName,
    chartDirectory,
    '--namespace',
    namespace,
    '--kube-version',
    kube,
    ...valuesArguments(source),
  ]);

interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  readonly spec?: Record<string, unknown>;
  readonly data?: Record<string, unknown>;
}
interface Rendered {
  readonly manifests: readonly Manifest[];
  readonly yamlErrors: readonly string[];
}

class HelmTemplateError extends Error {
  constructor(
    readonly source: ValuesSource,
    readonly result: HelmResult,
  ) {
    super(
      `helm template with ${JSON.stringify(source)} ${result.status === 0 ? 'warned' : `failed (${result.status})`}: ${result.stderr}`,
    );
    this.name = 'HelmTemplateError';
  }
}

/** `helm template`'s output as manifests; throws when helm fails or warns. */
function render(source: ValuesSource, kube = kubeVersion): Rendered {
  const result = template(source, kube);
  // helm also logs what it ignored (a value that cannot merge, a failed lookup) on stderr.
  if (result.status !== 0 || result.stderr.trim()) throw new HelmTemplateError(source, result);
  const documents = parseAllDocuments(result.stdout).filter((document) => document.contents !== null);
  return {
    yamlErrors: documents.flatMap((document) => document.errors.map((error) => error.message)),
    manifests: documents.map((document) => document.toJS() as Manifest),
  };
}

/** The alerts the chart ships, in order: what the operators' runbooks name. */
const expectedAlerts = [
  'SchedulerRelayLagging',
  'SchedulerDeadLetters',
  'SchedulerDeadLettersGrowing',
  'SchedulerMeetingsNotConverged',
  'SchedulerMeetingSyncFailing',
  'SchedulerCalendarSyncFailing',
  'SchedulerJourneySlow',
  'SchedulerTokenRefreshFailing',
  'SchedulerTokenRefreshRejected',
];
interface PrometheusRuleSpec {
  readonly groups: {
    readonly name: string;
    readonly rules: {
      readonly alert: string;
      readonly expr: string;
      readonly labels?: Record<string, string>;
      readonly annotations?: Record<string, string>;
    }[];
  }[];
}
interface GrafanaDashboard {
  readonly uid: string;
  readonly panels: { readonly targets?: { readonly expr: string }[] }[];
}
interface EgressValues {
  readonly dns: { namespaceSelector: unknown; podSelector: unknown };
  readonly nats: { cidrs: string[]; ports: number[] };
  readonly stores: { cidrs: string[]; ports: number[] };
  readonly https: { ipBlocks: { cidr: string; except?: string[] }[] };
}
interface EgressRule {
  readonly to: {
    ipBlock?: { cidr: string; except?: string[] };
    namespaceSelector?: unknown;
    podSelector?: unknown;
  }[];
  readonly ports: { port: number; protocol: string }[];
}
/** A NetworkPolicy's egress rules; undefined when it does not restrict egress. */
function egressRulesOf(policy: Manifest): EgressRule[] | undefined {
  const spec = policy.spec as { policyTypes: string[]; egress?: EgressRule[] };
  return spec.policyTypes.includes('Egress') ? (spec.egress ?? []) : undefined;
}
/** Whether a policy's podSelector (matchLabels and In expressions) selects pods with these labels. */
function selects(policy: Manifest, labels: Record<string, string>): boolean {
  const selector = (
    policy.spec as {
      podSelector: {
        matchLabels?: Record<string, string>;
        matchExpressions?: { key: string; operator: string; values: string[] }[];
      };
    }
  ).podSelector;
  return (
    Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value) &&
    (selector.matchExpressions ?? []).every(
      (expression) =>
        expression.operator === 'In' && expression.values.includes(labels[expression.key] ?? ''),
    )
  );
}

withHelm('helm itself', () => {
  it("is the pinned release when it is the project's own, else the one named by HELM_BIN or on PATH", () => {
    const version = helmVersion(helmBinary!);
    if (helmBinary === projectHelm(projectToolsBin)) expect(version).toBe(pinnedHelmVersion);
    else expect(version).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe("the check against Kubernetes' schemas", () => {
  const named = { metadata: { name: 'x' } };
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    ...named,
    spec: {
      selector: { matchLabels: { a: 'b' } },
      template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
    },
  };

  it('finds a manifest of a kind without a schema, or one that breaks its schema', () => {
    expect(schemaProblems(deployment)).toEqual([]);
    expect(schemaProblems({ apiVersion: 'example.com/v1', kind: 'Widget', ...named })).toEqual([
      'example.com/v1 Widget/x: no schema for this apiVersion and kind',
    ]);
    expect(schemaProblems({ apiVersion: 'v1', kind: 'Widget', ...named })).toHaveLength(1);
    const textReplicas = { ...deployment, spec: { ...deployment.spec, replicas: '2' } };
    expect(schemaProblems(textReplicas)).toEqual([expect.stringMatching(/replicas must be integer/)]);
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', ...named, data: { PORT: 8080 } };
    expect(schemaProblems(configMap)).toEqual([expect.stringMatching(/PORT must be string/)]);
  });

  // TypeScript names the first unknown field of each manifest: enough to fail, one at a time.
  it('finds fields the kind does not have, at any depth', () => {
    expect(unknownFields([deployment])).toEqual([]);
    const top = { ...deployment, metadata: { name: 'top' }, spec: { ...deployment.spec, replica: 2 } };
    const deep = {
      ...deployment,
      metadata: { name: 'deep' },
      spec: {
        ...deployment.spec,
        template: {
          ...deployment.spec.template,
          spec: { containers: [{ name: 'c', image: 'i', envfrom: [] }] },
        },
      },
    };
    expect(unknownFields([top, deep])).toEqual([
      expect.stringMatching(/^apps\/v1 Deployment\/top: .*'"replica"' does not exist in type/),
      expect.stringMatching(/^apps\/v1 Deployment\/deep: .*'"envfrom"' does not exist in type 'IContainer'/),
    ]);
  });
});

withHelm('the chart with its defaults alone', () => {
  it('refuses to render, naming what is missing', () => {
    const result = template({});
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/is required/);
    expect(result.stderr).not.toMatch(/schema/);
  });

  // helm lint renders in its lint mode, where `required` and `fail` only log: the defaults lint
  // clean, and only helm template (and install) enforce what an install must set.
  it('passes helm lint --strict, which checks the defaults against the schema', () => {
    const result = lint({});
    expect({ status: result.status, output: result.stdout + result.stderr }).toEqual({
      status: 0,
      output: expect.stringContaining('1 chart(s) linted, 0 chart(s) failed'),
    });
  });
});

withHelm('values.schema.json, as helm applies it', () => {
  const base: ValuesSource = { ciFiles: ['chart-secrets-values.yaml'] };
  it.each<[string, Values]>([
    ['a NATS URL that is not nats:// or tls://', { platform: { secret: { natsUrl: 'http://nats:4222' } } }],
    [
      'an event store URL with another scheme',
      { platform: { secret: { eventStoreUrl: 'mysql://db/events' } } },
    ],
    [
      'a private database that is not PostgreSQL',
      { retention: { secret: { databaseUrl: 'mongodb://db/retention' } } },
    ],
    ['a misspelt key', { gatway: { replicas: 2 } }],
    ['a replica count that is not a number', { gateway: { replicas: 'two' } }],
    ['a writable root filesystem', { containerSecurityContext: { readOnlyRootFilesystem: false } }],
    ['running as root allowed', { podSecurityContext: { runAsNonRoot: false } }],
    ['capabilities not dropped', { containerSecurityContext: { capabilities: { drop: [] } } }],
    ['an unknown log level', { platform: { logLevel: 'verbose' } }],
    [
      'a key-encryption key that is not "<id>:<32 bytes base64>"',
      { platform: { secret: { keyEncryptionKey: 'k1:c2hvcnQ=' } } },
    ],
    ['an OAuth state secret shorter than 32 bytes', { gateway: { secret: { oauthStateSecret: 'short' } } }],
    ['a retention policy for something that is not a domain', { retention: { policies: { ACME: 10 } } }],
    ['a retention longer than ten years', { retention: { afterEndSeconds: 315_360_001 } }],
    ['a hosted domain in upper case', { gateway: { allowedHostedDomains: ['Acme.Example'] } }],
    ['a resources block without a memory limit', { retention: { resources: { limits: { memory: null } } } }],
    ['a reconcile concurrency above 32', { webexBridge: { reconcileConcurrency: 33 } }],
    ['an egress CIDR that is not one', { networkPolicy: { egress: { nats: { cidrs: ['nats.svc'] } } } }],
    ['an egress port above 65535', { networkPolicy: { egress: { stores: { ports: [70000] } } } }],
    [
      'a retention key store that is neither PostgreSQL nor MongoDB',
      { retention: { secret: { keyStoreUrl: 'mysql://db/keys' } } },
    ],
    [
      'a dashboard without its sidecar label',
      { metrics: { dashboard: { labels: { grafana_dashboard: null } } } },
    ],
  ])('rejects %s', (_, change) => {
    const result = template({ ...base, inline: change });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/values don't meet the specifications of the schema/);
  });
});

describe.each(overlayFiles)('the chart rendered by helm with ci/%s', (name) => {
  const candidate = overlay(name);
  const source: ValuesSource = { ciFiles: [name] };
  let cached: Rendered | undefined;
  const rendered = () => (cached ??= render(source));
  const manifests = () => rendered().manifests;
  const ofKind = (kind: string) => manifests().filter((manifest) => manifest.kind === kind);
  const named = (kind: string, objectName: string) =>
    ofKind(kind).find((manifest) => manifest.metadata.name === objectName);
  const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined) =>
    Object.entries(selector).every(([key, value]) => labels?.[key] === value);
  const deployments = () => ofKind('Deployment');
  const podLabels = (deployment: Manifest) =>
    (deployment.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata
      .labels;
  const podAnnotations = (deployment: Manifest) =>
    (deployment.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata
      .annotations;
  type Container = {
    name: string;
    command: string[];
    envFrom: { configMapRef: { name: string } }[];
    env: {
      name: string;
      value?: string;
      valueFrom?: { secretKeyRef: { name: string; key: string; optional?: boolean } };
    }[];
    ports: { name: string; containerPort: number }[];
    startupProbe: { httpGet: { path: string; port: string } };
    livenessProbe: { httpGet: { path: string; port: string } };
    readinessProbe: { httpGet: { path: string; port: string } };
    lifecycle?: { preStop: { sleep: { seconds: number } } };
    securityContext: Record<string, unknown>;
    resources: { limits: Record<string, string> };
  };
  type PodSpec = {
    serviceAccountName: string;
    automountServiceAccountToken: boolean;
    terminationGracePeriodSeconds: number;
    securityContext: Record<string, unknown>;
    containers: Container[];
  };
  const podSpec = (deployment: Manifest) =>
    (deployment.spec as { template: { spec: PodSpec } }).template.spec;
  const deploymentOf = (service: string) =>
    deployments().find((deployment) => podLabels(deployment)['app.kubernetes.io/component'] === service)!;
  const containerOf = (service: string) => podSpec(deploymentOf(service)).containers[0]!;
  const configMapData = (container: Container) =>
    Object.assign(
      {},
      ...container.envFrom.map((from) => named('ConfigMap', from.configMapRef.name)?.data ?? {}),
    ) as Record<string, string>;
  const extraEnvNames = (service: string) =>
    ((valueAt(candidate, `${chartServices[service]}.extraEnv`) as { name: string }[] | undefined) ?? []).map(
      (variable) => variable.name,
    );

  const withThisHelm = helmBinary ? it : it.skip;

  withThisHelm('passes helm lint --strict', () => {
    const result = lint(source);
    expect({ status: result.status, output: result.stdout + result.stderr }).toEqual({
      status: 0,
      output: expect.stringContaining('1 chart(s) linted, 0 chart(s) failed'),
    });
  });

  withThisHelm(
    'renders only well-formed documents, each valid against the schema of its kind, without unknown fields',
    () => {
      expect(rendered().yamlErrors).toEqual([]);
      expect(manifests().length).toBeGreaterThan(0);
      expect(manifests().flatMap(schemaProblems)).toEqual([]);
      expect(unknownFields(manifests())).toEqual([]);
    },
  );

  withThisHelm('names every object once, in the release namespace, one Deployment per service', () => {
    for (const manifest of manifests()) {
      expect(manifest.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(manifest.metadata.name.length).toBeLessThanOrEqual(63);
      expect(manifest.metadata.namespace).toBe(namespace);
    }
    const identities = manifests().map((manifest) => `${manifest.kind}/${manifest.metadata.name}`);
    expect(identities.filter((identity, index) => identities.indexOf(identity) !== index)).toEqual([]);
    expect(
      deployments()
        .map((deployment) => podLabels(deployment)['app.kubernetes.io/component'])
        .sort(),
    ).toEqual(serviceDirectories);
    for (const deployment of deployments()) {
      const component = podLabels(deployment)['app.kubernetes.io/component'];
      const fullname = (valueAt(candidate, 'fullnameOverride') as string) || `${releaseName}-scheduler`;
      expect(deployment.metadata.name).toBe(`${fullname}-${component}`);
    }
  });

  withThisHelm('puts only strings in ConfigMaps and only base64 in Secrets', () => {
    for (const configMap of ofKind('ConfigMap')) {
      for (const value of Object.values(configMap.data ?? {})) expect(typeof value).toBe('string');
    }
    for (const secret of ofKind('Secret')) {
      for (const value of Object.values(secret.data ?? {})) expect(value).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
    }
  });

  withThisHelm(
    'wires every Deployment to objects that exist: its ServiceAccount, ConfigMap and Secrets',
    () => {
      const existingSecrets = ['platform', ...Object.values(chartServices)]
        .map((key) => valueAt(candidate, `${key}.secret.existingSecret`))
        .filter(Boolean);
      for (const deployment of deployments()) {
        const spec = podSpec(deployment);
        expect(named('ServiceAccount', spec.serviceAccountName)).toBeDefined();
        for (const container of spec.containers) {
          // Its own ConfigMap, named like the Deployment.
          expect(container.envFrom.map((from) => from.configMapRef.name)).toEqual([deployment.metadata.name]);
          expect(named('ConfigMap', deployment.metadata.name)).toBeDefined();
          for (const variable of container.env) {
            const reference = variable.valueFrom?.secretKeyRef;
            if (!reference) continue;
            const secret = named('Secret', reference.name);
            if (secret) {
              if (!reference.optional) expect(Object.keys(secret.data ?? {})).toContain(reference.key);
            } else expect(existingSecrets).toContain(reference.name);
          }
        }
      }
    },
  );

  withThisHelm.each(serviceDirectories)(
    'gives %s every required variable of its zod configuration, and only variables it declares, each once',
    (service) => {
      const container = containerOf(service);
      const names = [
        ...Object.keys(configMapData(container)),
        ...container.env
          .map((variable) => variable.name)
          .filter((name) => !extraEnvNames(service).includes(name)),
      ];
      const declared = serviceVariables(service);
      const required = [...declared].filter(([, { required }]) => required).map(([variable]) => variable);
      expect(required.filter((variable) => !names.includes(variable))).toEqual([]);
      expect(names.filter((variable) => !declared.has(variable))).toEqual([]);
      expect(names.filter((variable, index) => names.indexOf(variable) !== index)).toEqual([]);
    },
  );

  withThisHelm.each(serviceDirectories)(
    'gives %s an environment its platform settings accept (zod)',
    (service) => {
      const container = containerOf(service);
      const environment: Record<string, string> = { ...configMapData(container) };
      for (const variable of container.env) {
        const reference = variable.valueFrom?.secretKeyRef;
        if (!reference) continue;
        const secret = named('Secret', reference.name);
        if (!secret) return; // an existingSecret: its values are not known here
        const encoded = (secret.data ?? {})[reference.key];
        if (typeof encoded === 'string')
          environment[variable.name] = Buffer.from(encoded, 'base64').toString('utf8');
      }
      const result = platformEnvironment.safeParse(environment);
      expect(
        result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
      ).toEqual([]);
    },
  );

  withThisHelm.each(serviceDirectories)(
    "reads each of %s's secrets from the key of its own name, in its own Secret or the platform one",
    (service) => {
      const container = containerOf(service);
      const references = container.env.flatMap((variable) =>
        variable.valueFrom ? [{ variable: variable.name, ...variable.valueFrom.secretKeyRef }] : [],
      );
      expect(references.length).toBeGreaterThan(4);
      const fullname = deploymentOf(service).metadata.name.slice(0, -service.length - 1);
      const ownSecret =
        (valueAt(candidate, `${chartServices[service]}.secret.existingSecret`) as string) ||
        `${fullname}-${service}`;
      const platformSecret =
        (valueAt(candidate, 'platform.secret.existingSecret') as string) || `${fullname}-platform`;
      for (const reference of references) {
        expect(reference.key).toBe(reference.variable);
        expect([ownSecret, platformSecret]).toContain(reference.name);
      }
      // Where the chart renders the Secrets, they hold exactly the keys read from them: its own
      // by this service, the platform one by all services together.
      const platformReferences = serviceDirectories.flatMap((other) =>
        containerOf(other).env.flatMap((variable) =>
          variable.valueFrom?.secretKeyRef.name === platformSecret
            ? [{ variable: variable.name, ...variable.valueFrom.secretKeyRef }]
            : [],
        ),
      );
      for (const [secretName, keys] of [
        [ownSecret, references.filter((reference) => reference.name === ownSecret)],
        [
          platformSecret,
          platformReferences.filter(
            (reference, index) =>
              platformReferences.findIndex((other) => other.key === reference.key) === index,
          ),
        ],
      ] as const) {
        const secret = named('Secret', secretName);
        if (!secret) continue;
        expect(Object.keys(secret.data ?? {}).sort()).toEqual(
          keys
            .filter((reference) => !reference.optional || reference.key in (secret.data ?? {}))
            .map((reference) => reference.key)
            .sort(),
        );
      }
    },
  );

  withThisHelm.each(serviceDirectories)("runs %s's built entry point", (service) => {
    const main = (JSON.parse(readRepositoryFile(`services/${service}/package.json`)) as { main: string })
      .main;
    expect(containerOf(service).command).toEqual(['node', join('services', service, main)]);
  });

  withThisHelm('runs each service hardened, probed on /health, with more grace than its drain', () => {
    const shutdownSeconds = Math.ceil(Number(valueAt(candidate, 'platform.shutdownTimeoutMs')) / 1000);
    const pause = Number(valueAt(candidate, 'platform.preStopSleepSeconds'));
    const margin = Number(valueAt(candidate, 'platform.terminationGraceMarginSeconds'));
    const httpPort = Number(valueAt(candidate, 'platform.httpPort'));
    for (const deployment of deployments()) {
      const spec = podSpec(deployment);
      expect(spec.automountServiceAccountToken).toBe(false);
      expect(spec.terminationGracePeriodSeconds).toBe(pause + shutdownSeconds + margin);
      expect(spec.securityContext).toEqual(valueAt(candidate, 'podSecurityContext'));
      expect(
        matches(
          (deployment.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels,
          podLabels(deployment),
        ),
      ).toBe(true);
      for (const container of spec.containers) {
        expect(container.ports).toEqual([{ name: 'http', containerPort: httpPort, protocol: 'TCP' }]);
        expect(configMapData(container)['HTTP_PORT']).toBe(String(httpPort));
        expect(container.startupProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
        expect(container.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
        expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
        expect(container.lifecycle).toEqual(
          pause > 0 ? { preStop: { sleep: { seconds: pause } } } : undefined,
        );
        expect(container.securityContext).toEqual(valueAt(candidate, 'containerSecurityContext'));
        expect(container.securityContext).toMatchObject({
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
        expect(container.resources.limits['memory']).toBeDefined();
      }
      expect(Object.keys(podAnnotations(deployment))).toEqual(
        expect.arrayContaining(['checksum/config', 'checksum/secret']),
      );
    }
  });

  withThisHelm(
    'selects existing pods and ports from every Service, PodDisruptionBudget, autoscaler, Ingress and monitor',
    () => {
      for (const service of ofKind('Service')) {
        const spec = service.spec as { selector: Record<string, string>; ports: { targetPort: string }[] };
        expect(
          deployments().filter((deployment) => matches(spec.selector, podLabels(deployment))),
        ).toHaveLength(1);
        expect(spec.ports.map((port) => port.targetPort)).toEqual(['http']);
      }
      for (const budget of ofKind('PodDisruptionBudget')) {
        const selector = (budget.spec as { selector: { matchLabels: Record<string, string> } }).selector
          .matchLabels;
        expect(deployments().filter((deployment) => matches(selector, podLabels(deployment)))).toHaveLength(
          1,
        );
      }
      for (const autoscaler of ofKind('HorizontalPodAutoscaler')) {
        const target = named(
          'Deployment',
          (autoscaler.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name,
        );
        expect(target).toBeDefined();
        expect(target!.spec).not.toHaveProperty('replicas');
      }
      for (const ingress of ofKind('Ingress')) {
        const rules = (
          ingress.spec as {
            rules: {
              http: {
                paths: { path: string; backend: { service: { name: string; port: { name: string } } } }[];
              };
            }[];
          }
        ).rules;
        const paths = rules.flatMap((rule) => rule.http.paths);
        expect(paths.map((path) => path.path)).not.toContain('/');
        for (const path of paths) {
          const service = named('Service', path.backend.service.name);
          expect(service).toBeDefined();
          expect((service!.spec as { ports: { name: string }[] }).ports.map((port) => port.name)).toContain(
            path.backend.service.port.name,
          );
        }
      }
      for (const monitor of ofKind('ServiceMonitor')) {
        const selector = (monitor.spec as { selector: { matchLabels: Record<string, string> } }).selector
          .matchLabels;
        expect(
          ofKind('Service').filter((service) => matches(selector, service.metadata.labels)),
        ).toHaveLength(serviceDirectories.length);
      }
    },
  );

  withThisHelm('renders exactly the optional objects its values ask for', () => {
    const count = (kind: string) => ofKind(kind).length;
    expect(count('Ingress')).toBe(valueAt(candidate, 'ingress.enabled') ? 1 : 0);
    expect(count('HorizontalPodAutoscaler')).toBe(valueAt(candidate, 'gateway.autoscaling.enabled') ? 1 : 0);
    expect(count('ServiceMonitor')).toBe(valueAt(candidate, 'metrics.serviceMonitor.enabled') ? 1 : 0);
    expect(count('PrometheusRule')).toBe(valueAt(candidate, 'metrics.prometheusRule.enabled') ? 1 : 0);
    const policies = valueAt(candidate, 'networkPolicy.enabled');
    expect(count('NetworkPolicy')).toBe(
      policies ? 3 + (valueAt(candidate, 'networkPolicy.egress.enabled') ? 2 : 0) : 0,
    );
    expect(count('PodDisruptionBudget')).toBe(
      Object.values(chartServices).filter((key) => valueAt(candidate, `${key}.podDisruptionBudget.enabled`))
        .length,
    );
    const renderedSecrets = ['platform', ...Object.values(chartServices)].filter(
      (key) => !valueAt(candidate, `${key}.secret.existingSecret`),
    );
    expect(count('Secret')).toBe(renderedSecrets.length);
    expect(count('Service')).toBe(serviceDirectories.length);
    expect(count('ServiceAccount')).toBe(serviceDirectories.length);
    expect(count('ConfigMap')).toBe(
      serviceDirectories.length + (valueAt(candidate, 'metrics.dashboard.enabled') ? 1 : 0),
    );
  });

  withThisHelm('ships the alerts of files/prometheus-rules.yaml, each with a severity and a summary', () => {
    for (const rule of ofKind('PrometheusRule')) {
      expect(rule.spec).toEqual(parseYaml(readChartFile('files/prometheus-rules.yaml')));
      expect(rule.metadata.labels).toMatchObject(
        valueAt(candidate, 'metrics.prometheusRule.labels') as Record<string, string>,
      );
      const alerts = (rule.spec as unknown as PrometheusRuleSpec).groups.flatMap((group) => group.rules);
      expect(alerts.map((alert) => alert.alert)).toEqual(expectedAlerts);
      for (const alert of alerts) {
        expect(alert.expr.trim()).not.toBe('');
        expect(['warning', 'critical']).toContain(alert.labels?.['severity']);
        expect(alert.annotations?.['summary']).toBeTruthy();
      }
    }
  });

  withThisHelm("ships files/grafana-dashboard.json for Grafana's sidecar, labelled as values say", () => {
    const dashboards = ofKind('ConfigMap').filter((map) => map.metadata.name.endsWith('-dashboard'));
    expect(dashboards).toHaveLength(valueAt(candidate, 'metrics.dashboard.enabled') ? 1 : 0);
    for (const dashboard of dashboards) {
      expect(dashboard.metadata.labels).toMatchObject(
        valueAt(candidate, 'metrics.dashboard.labels') as Record<string, string>,
      );
      expect(dashboard.metadata.labels?.['grafana_dashboard']).toBeDefined();
      const json = JSON.parse(dashboard.data?.['scheduler.json'] as string) as GrafanaDashboard;
      expect(json).toEqual(JSON.parse(readChartFile('files/grafana-dashboard.json')));
      expect(json.uid).toBe('scheduler-overview');
      const targets = json.panels.flatMap((panel) => panel.targets ?? []);
      expect(targets.length).toBeGreaterThan(10);
      for (const target of targets) expect(target.expr).toContain('namespace="$namespace"');
    }
  });

  withThisHelm(
    'lets each service reach only DNS, NATS and the stores, and HTTPS only where Google or Webex is called',
    () => {
      if (
        !valueAt(candidate, 'networkPolicy.enabled') ||
        !valueAt(candidate, 'networkPolicy.egress.enabled')
      ) {
        expect(ofKind('NetworkPolicy').filter((policy) => egressRulesOf(policy) !== undefined)).toEqual([]);
        return;
      }
      const egress = valueAt(candidate, 'networkPolicy.egress') as EgressValues;
      const expected = (service: string) =>
        [
          ...['UDP', 'TCP'].map((protocol) => `dns ${protocol}/53`),
          ...egress.nats.cidrs.flatMap((cidr) => egress.nats.ports.map((port) => `${cidr} TCP/${port}`)),
          ...egress.stores.cidrs.flatMap((cidr) => egress.stores.ports.map((port) => `${cidr} TCP/${port}`)),
          ...(service === 'retention'
            ? []
            : egress.https.ipBlocks.map(
                (block) => `${block.cidr}${block.except ? ` except ${block.except.join(',')}` : ''} TCP/443`,
              )),
        ].sort();
      for (const service of serviceDirectories) {
        const labels = podLabels(deploymentOf(service));
        const selecting = ofKind('NetworkPolicy').filter(
          (policy) => egressRulesOf(policy) !== undefined && selects(policy, labels),
        );
        expect(selecting.length).toBeGreaterThan(0);
        const allowed = selecting.flatMap((policy) =>
          egressRulesOf(policy)!.flatMap((rule) =>
            rule.to.flatMap((peer) =>
              rule.ports.map((port) => {
                const where = peer.ipBlock
                  ? `${peer.ipBlock.cidr}${peer.ipBlock.except ? ` except ${peer.ipBlock.except.join(',')}` : ''}`
                  : 'dns';
                if (!peer.ipBlock) {
                  expect(peer.namespaceSelector).toEqual(egress.dns.namespaceSelector);
                  expect(peer.podSelector).toEqual(egress.dns.podSelector);
                }
                return `${where} ${port.protocol}/${port.port}`;
              }),
            ),
          ),
        );
        expect(allowed.sort()).toEqual(expected(service));
      }
    },
  );

  withThisHelm(
    "gives retention alone the key store's keeper role, the others its writer role from the platform Secret",
    () => {
      for (const service of serviceDirectories) {
        const reference = containerOf(service).env.find((variable) => variable.name === 'KEY_STORE_URL')
          ?.valueFrom?.secretKeyRef;
        const fullname = deploymentOf(service).metadata.name.slice(0, -service.length - 1);
        const own =
          (valueAt(candidate, `${chartServices[service]}.secret.existingSecret`) as string) ||
          `${fullname}-${service}`;
        const platform =
          (valueAt(candidate, 'platform.secret.existingSecret') as string) || `${fullname}-platform`;
        expect(reference?.name).toBe(service === 'retention' ? own : platform);
      }
      const rendered = named('Secret', `${deploymentOf('retention').metadata.name}`);
      if (rendered)
        expect(Buffer.from(rendered.data?.['KEY_STORE_URL'] as string, 'base64').toString('utf8')).toBe(
          valueAt(candidate, 'retention.secret.keyStoreUrl'),
        );
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Behaviour of single settings, rendered by helm.

withHelm('single settings, rendered by helm', () => {
  const base: ValuesSource = { ciFiles: ['chart-secrets-values.yaml'] };
  const configMapData = (rendered: Rendered, service: string) =>
    rendered.manifests.find(
      (manifest) =>
        manifest.kind === 'ConfigMap' && manifest.metadata.name === `${releaseName}-scheduler-${service}`,
    )!.data as Record<string, string>;
  const deploymentsOf = (rendered: Rendered) =>
    rendered.manifests.filter((manifest) => manifest.kind === 'Deployment');

  it.each([
    ['networkPolicy.egress.nats.cidrs', { nats: { cidrs: [] }, stores: { cidrs: ['10.0.0.0/24'] } }],
    ['networkPolicy.egress.stores.cidrs', { nats: { cidrs: ['10.0.0.0/24'] }, stores: { cidrs: [] } }],
  ])('refuses egress policies without %s, naming it', (missing, egress) => {
    const result = template({
      ...base,
      inline: { networkPolicy: { enabled: true, egress: { enabled: true, ...egress } } },
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`${missing} is required`);
  });

  it("refuses to render retention's Secret without the key store's keeper role", () => {
    const result = template({ ...base, inline: { retention: { secret: { keyStoreUrl: '' } } } });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('retention.secret.keyStoreUrl is required');
  });

  it('renders large millisecond settings as integers, not Go floats', () => {
    const rendered = render({
      ...base,
      inline: {
        webexBridge: { siteCacheTtlMs: 86_400_000 },
        googleIngest: { periodicSyncIntervalMs: 1_800_000 },
        platform: { shutdownTimeoutMs: 30_000_000 },
      },
    });
    expect(configMapData(rendered, 'webex-bridge')).toMatchObject({
      WEBEX_SITE_CACHE_TTL_MS: '86400000',
      SHUTDOWN_TIMEOUT_MS: '30000000',
    });
    expect(configMapData(rendered, 'google-ingest')).toMatchObject({ PERIODIC_SYNC_INTERVAL_MS: '1800000' });
    for (const deployment of deploymentsOf(rendered)) {
      expect(
        (deployment.spec as { template: { spec: { terminationGracePeriodSeconds: unknown } } }).template.spec
          .terminationGracePeriodSeconds,
      ).toBe(5 + 30_000 + 10);
    }
  });

  it("renders webex-bridge's reconcile settings when set, and leaves them to the service's defaults when not", () => {
    const set = configMapData(
      render({
        ...base,
        inline: {
          webexBridge: {
            reconcileIntervalMs: 10_000,
            reconcileConcurrency: 8,
            reconcileDriftIntervalMs: 600_000,
            webexCircuitOpenMs: 10_000,
          },
        },
      }),
      'webex-bridge',
    );
    expect(set).toMatchObject({
      RECONCILE_INTERVAL_MS: '10000',
      RECONCILE_CONCURRENCY: '8',
      RECONCILE_DRIFT_INTERVAL_MS: '600000',
      WEBEX_CIRCUIT_OPEN_MS: '10000',
    });
    const defaults = configMapData(render(base), 'webex-bridge');
    for (const name of [
      'RECONCILE_INTERVAL_MS',
      'RECONCILE_CONCURRENCY',
      'RECONCILE_DRIFT_INTERVAL_MS',
      'WEBEX_CIRCUIT_OPEN_MS',
    ])
      expect(defaults).not.toHaveProperty(name);
  });

  it("refuses clusters older than the chart's kubeVersion (1.25)", () => {
    const result = template(base, '1.24.17');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/kubeVersion/);
    expect(render(base, '1.25.0').manifests.length).toBeGreaterThan(0);
  });

  it('pauses before SIGTERM only on clusters with the native sleep action (1.30+)', () => {
    const containers = (rendered: Rendered) =>
      deploymentsOf(rendered).map(
        (deployment) =>
          (deployment.spec as { template: { spec: { containers: { lifecycle?: unknown }[] } } }).template.spec
            .containers[0]!,
      );
    expect(containers(render(base, '1.31.0')).map((container) => container.lifecycle)).toEqual(
      serviceDirectories.map(() => ({ preStop: { sleep: { seconds: 5 } } })),
    );
    expect(containers(render(base, '1.29.0')).map((container) => container.lifecycle)).toEqual(
      serviceDirectories.map(() => undefined),
    );
  });

  it('rolls the pods when their ConfigMap or a chart-rendered Secret changes', () => {
    const checksums = (rendered: Rendered) =>
      Object.fromEntries(
        deploymentsOf(rendered).map((deployment) => {
          const annotations = (
            deployment.spec as { template: { metadata: { annotations: Record<string, string> } } }
          ).template.metadata.annotations;
          return [deployment.metadata.name, [annotations['checksum/config'], annotations['checksum/secret']]];
        }),
      );
    const before = checksums(render(base));
    const logLevel = checksums(render({ ...base, inline: { platform: { logLevel: 'debug' } } }));
    const gatewaySecret = checksums(
      render({
        ...base,
        inline: { gateway: { secret: { oauthStateSecret: 'another-placeholder-placeholder-0000' } } },
      }),
    );
    for (const [deployment, [config, secret]] of Object.entries(before)) {
      expect(logLevel[deployment]![0]).not.toBe(config);
      expect(logLevel[deployment]![1]).toBe(secret);
      expect(gatewaySecret[deployment]![0]).toBe(config);
      if (deployment.endsWith('-gateway')) expect(gatewaySecret[deployment]![1]).not.toBe(secret);
      else expect(gatewaySecret[deployment]![1]).toBe(secret);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// What the chart routes and documents, against the services' own sources.

/** The keys deploy/k8s/README.md lists in the row of the value that names a Secret. */
function documentedSecretKeys(valuePath: string): string[] {
  const escaped = valuePath.replaceAll('.', '\\.');
  const row = new RegExp(`^\\|\\s*\`${escaped}\`\\s*\\|(.*)\\|\\s*$`, 'm').exec(
    readRepositoryFile('deploy/k8s/README.md'),
  );
  return row ? [...row[1]!.matchAll(/`([A-Z_][A-Z0-9_]*)`/g)].map((match) => match[1]!).sort() : [];
}

withHelm('the public paths and the documented Secrets, rendered by helm', () => {
  // The install with every optional key set (KEY_ENCRYPTION_KEYS_PREVIOUS too) and the Ingress on.
  let cached: Rendered | undefined;
  const rendered = () =>
    (cached ??= render({
      ciFiles: ['key-rotation-values.yaml'],
      inline: { ingress: { enabled: true, host: 'scheduler.acme.example' } },
    }));
  const fullname = 'meetings';
  const ofKind = (kind: string) => rendered().manifests.filter((manifest) => manifest.kind === kind);
  const named = (kind: string, name: string) =>
    ofKind(kind).find((manifest) => manifest.metadata.name === name);
  const ingressPaths = () =>
    (
      ofKind('Ingress')[0]!.spec as {
        rules: {
          http: { paths: { path: string; pathType: string; backend: { service: { name: string } } }[] };
        }[];
      }
    ).rules.flatMap((rule) => rule.http.paths);

  it.each(serviceDirectories)(
    "documents the keys of %s's existingSecret in deploy/k8s/README.md",
    (service) => {
      expect(documentedSecretKeys(`${chartServices[service]}.secret.existingSecret`)).toEqual(
        Object.keys(named('Secret', `${fullname}-${service}`)!.data ?? {}).sort(),
      );
      expect(documentedSecretKeys('platform.secret.existingSecret')).toEqual(
        Object.keys(named('Secret', `${fullname}-platform`)!.data ?? {}).sort(),
      );
    },
  );

  it("routes Google's push notifications to google-ingest's webhook route", () => {
    const controller = readRepositoryFile(
      'services/google-ingest/src/watch-channels/calendar-webhook.controller.ts',
    );
    const webhookPath = /CALENDAR_WEBHOOK_PATH = '([^']+)'/.exec(controller)?.[1];
    expect(webhookPath).toBeDefined();
    expect(ingressPaths()).toContainEqual(
      expect.objectContaining({
        path: `/${webhookPath}`,
        pathType: 'Exact',
        backend: expect.objectContaining({
          service: expect.objectContaining({ name: `${fullname}-google-ingest` }),
        }),
      }),
    );
    expect(readRepositoryFile('deploy/k8s/README.md')).toContain(`POST /${webhookPath}`);
  });

  it("routes Webex's meetings webhooks to webex-bridge's webhook route, the target it registers", () => {
    const registrations = readRepositoryFile(
      'services/webex-bridge/src/webex-webhooks/webhook-registrations.ts',
    );
    const webhookPath = /meetingsWebhookPath = '([^']+)'/.exec(registrations)?.[1];
    expect(webhookPath).toBeDefined();
    expect(ingressPaths()).toContainEqual(
      expect.objectContaining({
        path: webhookPath,
        pathType: 'Exact',
        backend: expect.objectContaining({
          service: expect.objectContaining({ name: `${fullname}-webex-bridge` }),
        }),
      }),
    );
    expect(readRepositoryFile('deploy/k8s/README.md')).toContain(`POST ${webhookPath}`);
  });

  it('sends both webhooks to the public base URL unless a webhook base URL is set', () => {
    const data = (service: string) =>
      named('ConfigMap', `${fullname}-${service}`)!.data as Record<string, string>;
    // key-rotation-values.yaml sets both, with and without a trailing slash.
    expect(data('google-ingest')['PUBLIC_WEBHOOK_BASE_URL']).toBe('https://hooks.acme.example');
    expect(data('webex-bridge')['PUBLIC_WEBHOOK_BASE_URL']).toBe('https://hooks.acme.example');
    const unset = render({ ciFiles: ['chart-secrets-values.yaml'] }).manifests;
    for (const service of ['google-ingest', 'webex-bridge']) {
      const configMap = unset.find(
        (manifest) =>
          manifest.kind === 'ConfigMap' && manifest.metadata.name === `${releaseName}-scheduler-${service}`,
      )!;
      expect((configMap.data as Record<string, string>)['PUBLIC_WEBHOOK_BASE_URL']).toBe(
        'https://scheduler.acme.example',
      );
    }
  });

  it('prints after install (NOTES.txt) the redirect URIs and webhook URLs the services use', () => {
    const result = runHelm([
      'install',
      releaseName,
      chartDirectory,
      '--namespace',
      namespace,
      '--dry-run=client',
      ...valuesArguments({
        ciFiles: ['key-rotation-values.yaml'],
        inline: { ingress: { enabled: true, host: 'scheduler.acme.example' } },
      }),
    ]);
    expect(result.status).toBe(0);
    const notes = result.stdout.slice(result.stdout.indexOf('\nNOTES:\n'));
    const data = (service: string) =>
      named('ConfigMap', `${fullname}-${service}`)!.data as Record<string, string>;
    expect(notes).toContain(`Register with Google:  ${data('google-ingest')['GOOGLE_REDIRECT_URI']}\n`);
    expect(notes).toContain(`Register with Webex:   ${data('webex-bridge')['WEBEX_REDIRECT_URI']}\n`);
    expect(notes).toContain(
      `Google push webhook:   ${data('google-ingest')['PUBLIC_WEBHOOK_BASE_URL']}/webhooks/google/calendar\n`,
    );
    expect(notes).toContain(
      `Webex webhooks:        ${data('webex-bridge')['PUBLIC_WEBHOOK_BASE_URL']}/webhooks/webex/meetings\n`,
    );
    for (const service of serviceDirectories) expect(notes).toContain(`  - ${fullname}-${service}\n`);
  });

  it("builds the OAuth redirect URIs from the gateway's callback routes, which sit under an Ingress path", () => {
    const controller = readRepositoryFile('services/gateway/src/oauth/oauth.controller.ts');
    const prefix = /@Controller\('([^']+)'\)/.exec(controller)?.[1];
    const publicBaseUrl = (named('ConfigMap', `${fullname}-gateway`)!.data as Record<string, string>)[
      'PUBLIC_BASE_URL'
    ];
    expect(publicBaseUrl).toBe('https://scheduler.acme.example');
    for (const [provider, service] of [
      ['google', 'google-ingest'],
      ['webex', 'webex-bridge'],
    ] as const) {
      expect(controller).toContain(`@Get('${provider}/callback')`);
      const data = named('ConfigMap', `${fullname}-${service}`)!.data as Record<string, string>;
      expect(data[`${provider.toUpperCase()}_REDIRECT_URI`]).toBe(
        `${publicBaseUrl}/${prefix}/${provider}/callback`,
      );
    }
    const gatewayPrefixes = ingressPaths()
      .filter((path) => path.pathType === 'Prefix' && path.backend.service.name === `${fullname}-gateway`)
      .map((path) => path.path.replace(/\/$/, ''));
    expect(gatewayPrefixes.some((path) => `/${prefix}/`.startsWith(`${path}/`))).toBe(true);
  });
});
