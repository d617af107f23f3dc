// The Helm chart (deploy/k8s/scheduler) checked without helm: values against the schema, the
// templates' structure and .Values paths, and each Deployment against its service's zod
// configuration, so that the chart cannot silently drift from the services.
//
// Tools may not import a service (eslint.config.mjs), so each service's config.ts is read as
// source text (./environment-schemas.ts); the bases every service extends are imported from
// their libs for real, and the reader is checked against them.
//
// There is no helm binary here: ./template-renderer.ts renders the subset of Helm's template
// language the chart uses, so that the manifests can be parsed and cross-checked. It is not
// helm; `helm lint` and `helm template` remain to be run where helm is available.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { Ajv } from 'ajv';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { serviceEnvironment } from '@scheduler/config';
import { platformEnvironment } from '@scheduler/runtime';
import { readDeclaredEnvironment, UnreadableEnvironmentSchemaError } from './environment-schemas.js';
import {
  environmentVariablesSet,
  hasValuesPath,
  includedNames,
  parseTemplate,
  valuesReferences,
  withIncludedTemplates,
  type NamedTemplate,
  type ParsedTemplate,
} from './helm-templates.js';
import { renderChart, TemplateRenderError } from './template-renderer.js';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const chartDirectory = join(repositoryRoot, 'deploy/k8s/scheduler');
const readRepositoryFile = (path: string) => readFileSync(join(repositoryRoot, path), 'utf8');
const readChartFile = (path: string) => readFileSync(join(chartDirectory, path), 'utf8');

type Values = Record<string, unknown>;

const values = parseYaml(readChartFile('values.yaml')) as Values;
const schema = JSON.parse(readChartFile('values.schema.json')) as object;
const validateValues = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
const overlayFiles = readdirSync(join(chartDirectory, 'ci')).filter((name) => name.endsWith('-values.yaml'));

function templateFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? templateFiles(join(directory, entry.name)) : [join(directory, entry.name)],
  );
}
const templates: ParsedTemplate[] = templateFiles(join(chartDirectory, 'templates')).map((path) =>
  parseTemplate(relative(chartDirectory, path), readFileSync(path, 'utf8')),
);
const templateText = new Map(
  templateFiles(join(chartDirectory, 'templates')).map((path) => [
    relative(chartDirectory, path),
    readFileSync(path, 'utf8'),
  ]),
);
const defines = new Map<string, NamedTemplate>();
for (const define of templates.flatMap((template) => template.defines)) defines.set(define.name, define);

/** The chart's own list of services (define "scheduler.services"): service name → values key. */
const chartServices = parseYaml(defines.get('scheduler.services')?.body ?? '{}') as Record<string, string>;
const serviceDirectories = readdirSync(join(repositoryRoot, 'services'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

/** Helm's coalescing of a values file over the chart's defaults: maps merge, anything else replaces, null deletes. */
function coalesce(defaults: unknown, overrides: unknown): unknown {
  if (!isMap(defaults) || !isMap(overrides)) return overrides === undefined ? defaults : overrides;
  const merged: Values = { ...defaults };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === null) delete merged[key];
    else merged[key] = coalesce(defaults[key], value);
  }
  return merged;
}
function isMap(value: unknown): value is Values {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function valueAt(object: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((current, key) => (isMap(current) ? current[key] : undefined), object);
}
function schemaErrors(candidate: unknown): string[] {
  return validateValues(candidate)
    ? []
    : (validateValues.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''}`);
}
const overlay = (name: string) => coalesce(values, parseYaml(readChartFile(`ci/${name}`))) as Values;

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
});

describe('the template reader', () => {
  it('reports unbalanced delimiters and blocks with their lines', () => {
    expect(parseTemplate('a.yaml', 'x: {{ .Values.a }}\n').problems).toEqual([]);
    expect(parseTemplate('a.yaml', 'x: {{ .Values.a \ny: 1\n').problems).toEqual([
      'a.yaml:1: "{{" opens an action that is never closed by "}}"',
    ]);
    expect(parseTemplate('a.yaml', 'x: .Values.a }}\n').problems).toEqual([
      'a.yaml:1: "}}" without an opening "{{"',
    ]);
    expect(parseTemplate('a.yaml', '{{- if .a }}\n{{- with .b }}\n{{- end }}\n').problems).toEqual([
      'a.yaml:1: "if" is never closed by "end"',
    ]);
    expect(parseTemplate('a.yaml', '{{- end }}\n').problems).toEqual([
      'a.yaml:1: "end" without an open block',
    ]);
    expect(parseTemplate('a.yaml', '{{ else }}\n').problems).toEqual([
      'a.yaml:1: "else" outside an if, with or range',
    ]);
    // Braces inside comments and strings are not delimiters.
    expect(parseTemplate('a.yaml', '{{/* {{ range }} */}}\n{{ printf "}}" }}\n').problems).toEqual([]);
  });

  it('collects .Values paths through variables and per-service blocks', () => {
    const parsed = parseTemplate(
      'a.yaml',
      '{{- $x := .Values.a.b }}{{ $x.c }}{{ .root.Values.d }}{{ .settings.e.f }}{{ $settings := index $.Values $valuesKey }}{{ $settings.g }}{{ index .Values "h" }}',
    );
    const { references, problems } = valuesReferences(parsed);
    expect(references.map(({ path, scope }) => `${scope}:${path}`)).toEqual([
      'values:a.b',
      'values:a.b.c',
      'values:d',
      'service:e.f',
      'service:g',
    ]);
    expect(problems).toEqual(['a.yaml:1: an "index .Values" lookup the chart test cannot check']);
  });

  it('tells variables set unconditionally from those inside a block, also through includes', () => {
    const helpers = parseTemplate('h.tpl', '{{- define "shared" -}}\n- name: SHARED\n{{- end }}\n');
    const known = new Map(helpers.defines.map((define) => [define.name, define]));
    const set = environmentVariablesSet(
      {
        file: 'd.yaml',
        text: 'env:\n  - name: ALWAYS\n  {{- if .x }}\n  - name: SOMETIMES\n  {{- include "shared" . }}\n  {{- end }}\n  - name: AFTER\n  - name: lower\n',
      },
      known,
      'env-list',
    );
    expect(set.map(({ name, conditional }) => `${name}:${conditional}`)).toEqual([
      'ALWAYS:false',
      'SOMETIMES:true',
      'AFTER:false',
      'SHARED:true',
    ]);
  });
});

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
        expect(templateText.has(`templates/${service}/${kind}.yaml`)).toBe(true);
      }
    }
  });

  it('values.yaml validates against values.schema.json', () => {
    expect(schemaErrors(values)).toEqual([]);
  });

  it.each(overlayFiles)('values.yaml with ci/%s validates against the schema', (name) => {
    expect(schemaErrors(overlay(name))).toEqual([]);
  });

  it('holds no secret value in values.yaml', () => {
    const secretBlocks = ['platform', ...Object.values(chartServices)].map((key) => [
      key,
      valueAt(values, `${key}.secret`),
    ]);
    for (const [key, block] of secretBlocks) {
      expect(isMap(block)).toBe(true);
      for (const [name, value] of Object.entries(block as Values)) {
        expect({ path: `${key as string}.secret.${name}`, value }).toEqual({
          path: `${key as string}.secret.${name}`,
          value: '',
        });
      }
    }
  });

  const validInstall = () => structuredClone(overlay('chart-secrets-values.yaml'));
  it.each<[string, (candidate: Values) => void]>([
    [
      'a NATS URL that is not nats:// or tls://',
      (v) =>
        ((v['platform'] as Values)['secret'] = {
          ...(valueAt(v, 'platform.secret') as Values),
          natsUrl: 'http://nats:4222',
        }),
    ],
    [
      'an event store URL with another scheme',
      (v) => ((valueAt(v, 'platform.secret') as Values)['eventStoreUrl'] = 'mysql://db/events'),
    ],
    [
      'a private database that is not PostgreSQL',
      (v) => ((valueAt(v, 'retention.secret') as Values)['databaseUrl'] = 'mongodb://db/retention'),
    ],
    ['a misspelt key', (v) => (v['gatway'] = { replicas: 2 })],
    ['a replica count that is not a number', (v) => ((v['gateway'] as Values)['replicas'] = 'two')],
    [
      'a writable root filesystem',
      (v) => ((v['containerSecurityContext'] as Values)['readOnlyRootFilesystem'] = false),
    ],
    ['running as root allowed', (v) => ((v['podSecurityContext'] as Values)['runAsNonRoot'] = false)],
    [
      'capabilities not dropped',
      (v) => ((v['containerSecurityContext'] as Values)['capabilities'] = { drop: [] }),
    ],
    ['an unknown log level', (v) => ((v['platform'] as Values)['logLevel'] = 'verbose')],
    [
      'a key-encryption key that is not "<id>:<32 bytes base64>"',
      (v) => ((valueAt(v, 'platform.secret') as Values)['keyEncryptionKey'] = 'k1:c2hvcnQ='),
    ],
    [
      'an OAuth state secret shorter than 32 bytes',
      (v) => ((valueAt(v, 'gateway.secret') as Values)['oauthStateSecret'] = 'short'),
    ],
    [
      'a retention policy for something that is not a domain',
      (v) => ((v['retention'] as Values)['policies'] = { ACME: 10 }),
    ],
    [
      'a retention longer than ten years',
      (v) => ((v['retention'] as Values)['afterEndSeconds'] = 315_360_001),
    ],
    [
      'a hosted domain in upper case',
      (v) => ((v['gateway'] as Values)['allowedHostedDomains'] = ['Acme.Example']),
    ],
    [
      'a resources block without a memory limit',
      (v) =>
        ((v['retention'] as Values)['resources'] = { requests: { cpu: '1m', memory: '1Mi' }, limits: {} }),
    ],
  ])('rejects %s', (_, mutate) => {
    const candidate = validInstall();
    expect(schemaErrors(candidate)).toEqual([]);
    mutate(candidate);
    expect(schemaErrors(candidate)).not.toEqual([]);
  });

  /** Which templates render for given values (the others' `required` do not apply). */
  const rendersFor = (candidate: Values) => (file: string) => {
    if (file === 'templates/platform-secret.yaml')
      return !valueAt(candidate, 'platform.secret.existingSecret');
    const serviceSecret = /^templates\/([a-z-]+)\/secret\.yaml$/.exec(file)?.[1];
    if (serviceSecret) return !valueAt(candidate, `${chartServices[serviceSecret]}.secret.existingSecret`);
    if (file === 'templates/ingress.yaml') return Boolean(valueAt(candidate, 'ingress.enabled'));
    if (file === 'templates/gateway/horizontalpodautoscaler.yaml')
      return Boolean(valueAt(candidate, 'gateway.autoscaling.enabled'));
    return true;
  };

  it.each(overlayFiles)('ci/%s sets everything the templates require at install', (name) => {
    const candidate = overlay(name);
    const renders = rendersFor(candidate);
    const missing: string[] = [];
    for (const template of templates) {
      // Helpers are checked where they are used: every rendered template includes them.
      if (!template.file.endsWith('.tpl') && !renders(template.file)) continue;
      for (const action of template.actions) {
        for (const match of action.text.matchAll(
          /\brequired\s+"[^"]*"\s+(?:\$|\.root)?\.Values((?:\.\w+)+)/g,
        )) {
          const path = match[1]!.slice(1);
          if (!valueAt(candidate, path)) missing.push(`${template.file}:${action.line} ${path}`);
        }
      }
    }
    // The two requirements written as `fail` in the templates.
    const publicBaseUrl =
      valueAt(candidate, 'gateway.publicBaseUrl') ||
      (valueAt(candidate, 'ingress.enabled') && valueAt(candidate, 'ingress.host'));
    if (!publicBaseUrl) missing.push('gateway.publicBaseUrl (or ingress.host)');
    if (!(valueAt(candidate, 'gateway.allowedHostedDomains') as unknown[] | undefined)?.length) {
      missing.push('gateway.allowedHostedDomains');
    }
    expect(missing).toEqual([]);
  });

  it('has balanced delimiters and blocks in every template', () => {
    expect(templates.flatMap((template) => template.problems)).toEqual([]);
  });

  it('defines each named template once and includes only defined ones', () => {
    const names = templates.flatMap((template) => template.defines.map((define) => define.name));
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
    const undefinedIncludes = templates.flatMap((template) =>
      template.actions.flatMap((action) =>
        includedNames(action)
          .filter((name) => !defines.has(name))
          .map((name) => `${template.file}:${action.line} ${name}`),
      ),
    );
    expect(undefinedIncludes).toEqual([]);
  });

  it('reads only .Values paths that exist in values.yaml', () => {
    const problems: string[] = [];
    for (const template of templates) {
      const { references, problems: unchecked } = valuesReferences(template);
      problems.push(...unchecked);
      for (const reference of references) {
        const paths =
          reference.scope === 'values'
            ? [reference.path]
            : Object.values(chartServices).map((valuesKey) => `${valuesKey}.${reference.path}`);
        for (const path of paths) {
          if (!hasValuesPath(values, path))
            problems.push(`${template.file}:${reference.line} .Values.${path}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

/** The keys deploy/k8s/README.md lists in the row of the value that names a Secret. */
function documentedSecretKeys(valuePath: string): string[] {
  const escaped = valuePath.replaceAll('.', '\\.');
  const row = new RegExp(`^\\|\\s*\`${escaped}\`\\s*\\|(.*)\\|\\s*$`, 'm').exec(
    readRepositoryFile('deploy/k8s/README.md'),
  );
  return row ? [...row[1]!.matchAll(/`([A-Z_][A-Z0-9_]*)`/g)].map((match) => match[1]!).sort() : [];
}

describe.each(serviceDirectories)("%s's Deployment", (service) => {
  const deploymentFile = `templates/${service}/deployment.yaml`;
  const deployment = { file: deploymentFile, text: templateText.get(deploymentFile) ?? '' };
  const configMapFile = `templates/${service}/configmap.yaml`;
  const configMap = { file: configMapFile, text: templateText.get(configMapFile) ?? '' };
  const declared = serviceVariables(service);
  const set = [
    ...environmentVariablesSet(deployment, defines, 'env-list'),
    ...environmentVariablesSet(configMap, defines, 'data-map'),
  ];

  /** `- name: X / valueFrom / secretKeyRef / name: <secret> / key: Y` entries, includes expanded. */
  const secretReferences = withIncludedTemplates(deployment, defines).flatMap((source) =>
    [
      ...source.text.matchAll(
        /- name: ([A-Z_][A-Z0-9_]*)\s*\n\s*valueFrom:\s*\n\s*secretKeyRef:\s*\n\s*name: (.+)\n\s*key: ([A-Z_][A-Z0-9_]*)/g,
      ),
    ].map((match) => ({ variable: match[1]!, secret: match[2]!.trim(), key: match[3]! })),
  );
  const dataKeys = (file: string) =>
    [...(templateText.get(file) ?? '').matchAll(/^\s{2}([A-Z_][A-Z0-9_]*):\s/gm)]
      .map((match) => match[1]!)
      .sort();

  it('wires its own ConfigMap in through envFrom', () => {
    const context = new RegExp(`\\$context := dict "root" \\. "service" "${service}"`);
    expect(deployment.text).toMatch(context);
    expect(configMap.text).toMatch(context);
    expect(deployment.text).toMatch(
      /configMapRef:\s*\n\s*name: \{\{ include "scheduler\.componentName" \$context \}\}/,
    );
    expect(configMap.text).toMatch(
      /kind: ConfigMap\s*\nmetadata:\s*\n\s*name: \{\{ include "scheduler\.componentName" \$context \}\}/,
    );
  });

  it("sets every required variable of the service's configuration, outside any condition", () => {
    const required = [...declared].filter(([, { required }]) => required).map(([name]) => name);
    expect(required.length).toBeGreaterThan(5);
    const always = new Set(set.filter((entry) => !entry.conditional).map((entry) => entry.name));
    expect(required.filter((name) => !always.has(name))).toEqual([]);
  });

  it("sets only variables the service's configuration declares, each once", () => {
    const names = set.map((entry) => entry.name);
    expect(names.filter((name) => !declared.has(name))).toEqual([]);
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
  });

  it('reads each secret from the key of its own name, in a Secret the chart renders with that key', () => {
    expect(secretReferences.length).toBeGreaterThan(4);
    for (const reference of secretReferences) expect(reference.key).toBe(reference.variable);
    const ownKeys = secretReferences.filter((reference) =>
      reference.secret.includes('"scheduler.secretName"'),
    );
    const platformKeys = secretReferences.filter((reference) => reference.secret === '{{ $secret }}');
    expect(ownKeys.length + platformKeys.length).toBe(secretReferences.length);
    expect(ownKeys.map((reference) => reference.key).sort()).toEqual(
      dataKeys(`templates/${service}/secret.yaml`),
    );
    expect(platformKeys.map((reference) => reference.key).sort()).toEqual(
      dataKeys('templates/platform-secret.yaml'),
    );
  });

  it('documents the keys of its existingSecret in deploy/k8s/README.md', () => {
    expect(documentedSecretKeys(`${chartServices[service]}.secret.existingSecret`)).toEqual(
      dataKeys(`templates/${service}/secret.yaml`),
    );
    expect(documentedSecretKeys('platform.secret.existingSecret')).toEqual(
      dataKeys('templates/platform-secret.yaml'),
    );
  });

  it("runs the service's built entry point", () => {
    const main = (JSON.parse(readRepositoryFile(`services/${service}/package.json`)) as { main: string })
      .main;
    const entryPoint = join('services', service, main);
    expect(deployment.text).toContain(`command: ["node", "${entryPoint}"]`);
  });

  it('takes probes, security, placement and config checksums from the shared helpers', () => {
    for (const name of ['scheduler.deploymentHead', 'scheduler.podRuntime', 'scheduler.containerRuntime']) {
      expect(deployment.text).toContain(`include "${name}" $context`);
    }
  });
});

describe('the shared Deployment helpers', () => {
  const body = (name: string) => defines.get(name)?.body ?? '';

  it('probe /health/live (startup, liveness) and /health/ready (readiness) on the HTTP port', () => {
    const runtime = body('scheduler.containerRuntime');
    expect(runtime).toMatch(/startupProbe:\s*\n\s*httpGet:\s*\n\s*path: \/health\/live\s*\n\s*port: http/);
    expect(runtime).toMatch(/livenessProbe:\s*\n\s*httpGet:\s*\n\s*path: \/health\/live\s*\n\s*port: http/);
    expect(runtime).toMatch(/readinessProbe:\s*\n\s*httpGet:\s*\n\s*path: \/health\/ready\s*\n\s*port: http/);
    expect(runtime).toContain('containerPort: {{ .root.Values.platform.httpPort | int }}');
    expect(body('scheduler.platformConfig')).toContain(
      'HTTP_PORT: {{ .Values.platform.httpPort | int | quote }}',
    );
  });

  it('give Kubernetes more time than the drain: pause + ceil(SHUTDOWN_TIMEOUT_MS / 1000) + margin', () => {
    expect(body('scheduler.podRuntime')).toContain(
      'terminationGracePeriodSeconds: {{ include "scheduler.terminationGracePeriodSeconds" .root }}',
    );
    expect(body('scheduler.terminationGracePeriodSeconds')).toContain(
      'div (add .Values.platform.shutdownTimeoutMs 999) 1000',
    );
    expect(values).toMatchObject({ platform: { terminationGraceMarginSeconds: expect.any(Number) } });
    expect(valueAt(values, 'platform.terminationGraceMarginSeconds') as number).toBeGreaterThan(0);
  });

  it('mount no service-account token and harden every container', () => {
    expect(body('scheduler.podRuntime')).toContain('automountServiceAccountToken: false');
    expect(body('scheduler.podRuntime')).toContain('toYaml .root.Values.podSecurityContext');
    expect(body('scheduler.containerRuntime')).toContain('toYaml .root.Values.containerSecurityContext');
    expect(values).toMatchObject({
      podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containerSecurityContext: {
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      },
    });
  });

  it('roll the pods when their ConfigMap or a chart-rendered Secret changes', () => {
    expect(body('scheduler.deploymentHead')).toContain('include "scheduler.checksumAnnotations" .');
    const checksums = body('scheduler.checksumAnnotations');
    expect(checksums).toContain('"/configmap.yaml"');
    expect(checksums).toContain('"/secret.yaml"');
    expect(checksums).toContain('"/platform-secret.yaml"');
  });
});

describe('the subset renderer', () => {
  const render = (source: string, values: Record<string, unknown>) =>
    renderChart(
      { name: 'chart', version: '1.0.0', appVersion: '1.0.0' },
      new Map([['templates/t.yaml', source]]),
      values,
      { name: 'release', namespace: 'default', kubeVersion: 'v1.31.0' },
    ).get('templates/t.yaml');

  it('prints numbers from values files as Go prints float64, unless converted', () => {
    expect(
      render('{{ .Values.n }} {{ .Values.n | int64 }} {{ .Values.small }}', { n: 86_400_000, small: 8080 }),
    ).toBe('8.64e+07 86400000 8080');
  });

  it('fails like Go on a field of a missing value, and prints a missing key as nothing', () => {
    expect(() => render('{{ .Values.a.b.c }}', { a: {} })).toThrow(
      /nil pointer evaluating interface \{\}\.c/,
    );
    expect(render('[{{ .Values.a.b }}]', { a: {} })).toBe('[]');
  });

  it('trims around {{- and -}}, and keeps variables in their scope', () => {
    expect(
      render(
        'a:\n  {{- $x := "1" }}\n  {{- range $k, $v := .Values.m }}\n  {{ $k }}: {{ $v }}{{ $x }}\n  {{- end }}\n',
        {
          m: { b: 'x', a: 'y' },
        },
      ),
    ).toBe('a:\n  a: y1\n  b: x1\n');
  });

  it('stops at required and fail with their messages', () => {
    expect(() => render('{{ required "x is required" .Values.x }}', { x: '' })).toThrow(
      new TemplateRenderError('templates/t.yaml', 1, 'required: x is required'),
    );
    expect(() => render('{{ fail "no" }}', {})).toThrow(/fail: no/);
  });
});

const chartMetadata = parseYaml(readChartFile('Chart.yaml')) as {
  name: string;
  version: string;
  appVersion: string;
};
const renderWith = (candidate: Values) =>
  renderChart(chartMetadata, templateText, candidate, {
    name: 'prod',
    namespace: 'scheduler',
    kubeVersion: 'v1.31.0',
  });

interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  readonly spec?: Record<string, unknown>;
  readonly data?: Record<string, unknown>;
}

it('the chart refuses to render with the defaults alone, naming what is missing', () => {
  expect(() => renderWith(values)).toThrow(TemplateRenderError);
  expect(() => renderWith(values)).toThrow(/is required/);
});

describe.each(overlayFiles)('the chart rendered with ci/%s (by the subset renderer)', (name) => {
  const candidate = overlay(name);
  const rendered = renderWith(candidate);
  const documents = [...rendered]
    .filter(([path]) => path.endsWith('.yaml'))
    .flatMap(([path, text]) => parseAllDocuments(text).map((document) => ({ path, document })))
    .filter(({ document }) => document.contents !== null);
  const manifests = documents.map(({ document }) => document.toJS() as Manifest);
  const ofKind = (kind: string) => manifests.filter((manifest) => manifest.kind === kind);
  const named = (kind: string, objectName: string) =>
    ofKind(kind).find((manifest) => manifest.metadata.name === objectName);
  const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined) =>
    Object.entries(selector).every(([key, value]) => labels?.[key] === value);
  const deployments = ofKind('Deployment');
  const podLabels = (deployment: Manifest) =>
    (deployment.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata
      .labels;
  type Container = {
    name: string;
    command: string[];
    envFrom: { configMapRef: { name: string } }[];
    env: { name: string; valueFrom?: { secretKeyRef: { name: string; key: string; optional?: boolean } } }[];
    ports: { name: string; containerPort: number }[];
    startupProbe: { httpGet: { path: string; port: string } };
    livenessProbe: { httpGet: { path: string; port: string } };
    readinessProbe: { httpGet: { path: string; port: string } };
    securityContext: Record<string, unknown>;
    resources: { limits: Record<string, string> };
  };
  type PodSpec = {
    serviceAccountName: string;
    automountServiceAccountToken: boolean;
    terminationGracePeriodSeconds: number;
    containers: Container[];
  };
  const podSpec = (deployment: Manifest) =>
    (deployment.spec as { template: { spec: PodSpec } }).template.spec;

  it('renders only well-formed YAML documents, each a named Kubernetes object', () => {
    expect(
      documents.flatMap(({ path, document }) => document.errors.map((error) => `${path}: ${error.message}`)),
    ).toEqual([]);
    for (const manifest of manifests) {
      expect(manifest).toMatchObject({ apiVersion: expect.any(String), kind: expect.any(String) });
      expect(manifest.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(manifest.metadata.name.length).toBeLessThanOrEqual(63);
      expect(manifest.metadata.namespace).toBe('scheduler');
    }
    const identities = manifests.map((manifest) => `${manifest.kind}/${manifest.metadata.name}`);
    expect(identities.filter((identity, index) => identities.indexOf(identity) !== index)).toEqual([]);
    expect(deployments.map((deployment) => deployment.metadata.name).sort()).toEqual(
      serviceDirectories.map((service) => `prod-scheduler-${service}`),
    );
  });

  it('puts only strings in ConfigMaps and only base64 in Secrets', () => {
    for (const configMap of ofKind('ConfigMap')) {
      for (const value of Object.values(configMap.data ?? {})) expect(typeof value).toBe('string');
    }
    for (const secret of ofKind('Secret')) {
      for (const value of Object.values(secret.data ?? {})) expect(value).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
    }
  });

  it('wires every Deployment to objects that exist: its ServiceAccount, ConfigMap and Secrets', () => {
    const existingSecrets = ['platform', ...Object.values(chartServices)]
      .map((key) => valueAt(candidate, `${key}.secret.existingSecret`))
      .filter(Boolean);
    for (const deployment of deployments) {
      const spec = podSpec(deployment);
      expect(named('ServiceAccount', spec.serviceAccountName)).toBeDefined();
      for (const container of spec.containers) {
        for (const source of container.envFrom)
          expect(named('ConfigMap', source.configMapRef.name)).toBeDefined();
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
  });

  it.each(serviceDirectories)('gives %s every required variable of its configuration', (service) => {
    const deployment = named('Deployment', `prod-scheduler-${service}`)!;
    const container = podSpec(deployment).containers[0]!;
    const fromConfigMaps = container.envFrom.flatMap((source) =>
      Object.keys(named('ConfigMap', source.configMapRef.name)?.data ?? {}),
    );
    const set = new Set([...fromConfigMaps, ...container.env.map((variable) => variable.name)]);
    const required = [...serviceVariables(service)]
      .filter(([, { required }]) => required)
      .map(([variable]) => variable);
    expect(required.filter((variable) => !set.has(variable))).toEqual([]);
  });

  it.each(serviceDirectories)('gives %s an environment its platform settings accept (zod)', (service) => {
    const deployment = named('Deployment', `prod-scheduler-${service}`)!;
    const container = podSpec(deployment).containers[0]!;
    const environment: Record<string, string> = {};
    for (const source of container.envFrom)
      Object.assign(environment, named('ConfigMap', source.configMapRef.name)?.data ?? {});
    for (const variable of container.env) {
      const reference = variable.valueFrom?.secretKeyRef;
      const secret = reference && named('Secret', reference.name);
      if (!reference) continue;
      if (!secret) return; // an existingSecret: its values are not known here
      const encoded = (secret.data ?? {})[reference.key];
      if (typeof encoded === 'string')
        environment[variable.name] = Buffer.from(encoded, 'base64').toString('utf8');
    }
    const result = platformEnvironment.safeParse(environment);
    expect(
      result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    ).toEqual([]);
  });

  it('runs each service hardened, probed on /health, with more grace than its drain', () => {
    const shutdownSeconds = Number(valueAt(candidate, 'platform.shutdownTimeoutMs')) / 1000;
    const pause = Number(valueAt(candidate, 'platform.preStopSleepSeconds'));
    for (const deployment of deployments) {
      const spec = podSpec(deployment);
      expect(spec.automountServiceAccountToken).toBe(false);
      expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(shutdownSeconds + pause);
      expect(
        matches(
          (deployment.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels,
          podLabels(deployment),
        ),
      ).toBe(true);
      for (const container of spec.containers) {
        expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
        expect(container.startupProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
        expect(container.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
        expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
        expect(container.securityContext).toMatchObject({
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
        expect(container.resources.limits['memory']).toBeDefined();
      }
    }
  });

  it('selects existing pods and ports from every Service, PodDisruptionBudget, autoscaler, Ingress and monitor', () => {
    for (const service of ofKind('Service')) {
      const spec = service.spec as { selector: Record<string, string>; ports: { targetPort: string }[] };
      const target = deployments.filter((deployment) => matches(spec.selector, podLabels(deployment)));
      expect(target).toHaveLength(1);
      expect(spec.ports.map((port) => port.targetPort)).toEqual(['http']);
    }
    for (const budget of ofKind('PodDisruptionBudget')) {
      const selector = (budget.spec as { selector: { matchLabels: Record<string, string> } }).selector
        .matchLabels;
      expect(deployments.filter((deployment) => matches(selector, podLabels(deployment)))).toHaveLength(1);
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
      expect(ofKind('Service').filter((service) => matches(selector, service.metadata.labels))).toHaveLength(
        serviceDirectories.length,
      );
    }
  });
});

it('renders large millisecond settings as integers, not Go floats', () => {
  const candidate = coalesce(overlay('chart-secrets-values.yaml'), {
    webexBridge: { siteCacheTtlMs: 86_400_000 },
    googleIngest: { periodicSyncIntervalMs: 1_800_000 },
    platform: { shutdownTimeoutMs: 30_000_000 },
  }) as Values;
  expect(schemaErrors(candidate)).toEqual([]);
  const configMaps = [...renderWith(candidate)]
    .filter(([path]) => path.endsWith('configmap.yaml'))
    .map(([, text]) => parseYaml(text) as Manifest);
  const data = Object.assign({}, ...configMaps.map((configMap) => configMap.data)) as Record<string, string>;
  expect(data).toMatchObject({
    WEBEX_SITE_CACHE_TTL_MS: '86400000',
    PERIODIC_SYNC_INTERVAL_MS: '1800000',
    SHUTDOWN_TIMEOUT_MS: '30000000',
  });
});

it("renders webex-bridge's reconcile settings when set, and leaves them to the service's defaults when not", () => {
  const webexBridgeData = (values: Values) =>
    (
      parseYaml(
        [...renderWith(values)].find(([path]) => path.endsWith('webex-bridge/configmap.yaml'))![1],
      ) as Manifest
    ).data as Record<string, string>;
  const base = overlay('chart-secrets-values.yaml');
  const candidate = coalesce(base, {
    webexBridge: {
      reconcileIntervalMs: 10_000,
      reconcileConcurrency: 8,
      reconcileDriftIntervalMs: 600_000,
      webexCircuitOpenMs: 10_000,
    },
  }) as Values;
  expect(schemaErrors(candidate)).toEqual([]);
  expect(webexBridgeData(candidate)).toMatchObject({
    RECONCILE_INTERVAL_MS: '10000',
    RECONCILE_CONCURRENCY: '8',
    RECONCILE_DRIFT_INTERVAL_MS: '600000',
    WEBEX_CIRCUIT_OPEN_MS: '10000',
  });
  const defaults = webexBridgeData(coalesce(base, {}) as Values);
  for (const name of [
    'RECONCILE_INTERVAL_MS',
    'RECONCILE_CONCURRENCY',
    'RECONCILE_DRIFT_INTERVAL_MS',
    'WEBEX_CIRCUIT_OPEN_MS',
  ])
    expect(defaults).not.toHaveProperty(name);
  expect(schemaErrors(coalesce(base, { webexBridge: { reconcileConcurrency: 33 } }) as Values)).not.toEqual(
    [],
  );
});

describe("the chart's public paths", () => {
  it("route Google's push notifications to google-ingest's webhook route", () => {
    const controller = readRepositoryFile(
      'services/google-ingest/src/watch-channels/calendar-webhook.controller.ts',
    );
    const webhookPath = /CALENDAR_WEBHOOK_PATH = '([^']+)'/.exec(controller)?.[1];
    expect(webhookPath).toBeDefined();
    expect(templateText.get('templates/ingress.yaml')).toContain(
      `- path: /${webhookPath}\n            pathType: Exact`,
    );
    expect(readRepositoryFile('deploy/k8s/README.md')).toContain(`POST /${webhookPath}`);
  });

  it("route Webex's meetings webhooks to webex-bridge's webhook route, the target it registers", () => {
    const registrations = readRepositoryFile(
      'services/webex-bridge/src/webex-webhooks/webhook-registrations.ts',
    );
    const webhookPath = /meetingsWebhookPath = '([^']+)'/.exec(registrations)?.[1];
    expect(webhookPath).toBeDefined();
    expect(templateText.get('templates/ingress.yaml')).toContain(
      `- path: ${webhookPath}\n            pathType: Exact\n            backend:\n              service:\n                name: {{ $webexBridge }}`,
    );
    expect(templateText.get('templates/webex-bridge/configmap.yaml')).toContain(
      'PUBLIC_WEBHOOK_BASE_URL: {{ include "scheduler.webexWebhookBaseUrl" . | quote }}',
    );
    expect(readRepositoryFile('deploy/k8s/README.md')).toContain(`POST ${webhookPath}`);
  });

  it("build the OAuth redirect URIs from the gateway's callback routes, which sit under an Ingress path", () => {
    const controller = readRepositoryFile('services/gateway/src/oauth/oauth.controller.ts');
    const prefix = /@Controller\('([^']+)'\)/.exec(controller)?.[1];
    for (const provider of ['google', 'webex']) {
      expect(controller).toContain(`@Get('${provider}/callback')`);
      const configMap = templateText.get(
        `templates/${provider === 'google' ? 'google-ingest' : 'webex-bridge'}/configmap.yaml`,
      );
      expect(configMap).toContain(`printf "%s/${prefix}/${provider}/callback"`);
    }
    const gatewayPaths = valueAt(values, 'ingress.gatewayPaths') as string[];
    expect(gatewayPaths.some((path) => `/${prefix}/`.startsWith(`${path.replace(/\/$/, '')}/`))).toBe(true);
  });
});
