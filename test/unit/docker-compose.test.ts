import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { execFileSync } from 'node:child_process';
import { findOrInstallTemporalCli } from '../../scripts/temporal-cli';
import { CLI_TYPE_NAMES } from '../../scripts/dev-server';
import { REINS_SEARCH_ATTRIBUTE_KEYS } from '../../common/search-attributes';
import { TEMPORAL_CONNECTION_VARIABLES } from '../../shared/temporal-settings';
import { storeSettingsFromEnv } from '../../shared/store/store-settings';

// The compose stack cannot be started here, so its structure is checked instead: a renamed variable, a dropped
// search attribute or an unpinned image fails this suite rather than a deployment.

const ROOT = path.join(__dirname, '..', '..');
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

type EnvValue = string | number | boolean | null;
interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  environment?: Record<string, EnvValue> | string[];
  ports?: (string | number | { target: number; published?: string | number })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: (string | { source?: string; target: string })[];
  entrypoint?: string | string[];
  command?: string | string[];
  healthcheck?: { test?: string | string[] };
  restart?: string;
  container_name?: string;
  hostname?: string;
  stop_grace_period?: string;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(read('docker-compose.yml')) as ComposeFile;

function service(name: string): Service {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

function env(name: string): Record<string, EnvValue> {
  const raw = service(name).environment ?? {};
  if (!Array.isArray(raw)) return raw;
  return Object.fromEntries(
    raw.map((entry) => {
      const eq = entry.indexOf('=');
      return eq < 0 ? [entry, null] : [entry.slice(0, eq), entry.slice(eq + 1)];
    }),
  );
}

/** Published host port -> container port, from the short ("8080:8080", "127.0.0.1:8080:8080/tcp") or long syntax. */
function publishedPorts(name: string): Map<number, number> {
  const ports = new Map<number, number>();
  for (const port of service(name).ports ?? []) {
    if (typeof port === 'object') {
      if (port.published !== undefined) ports.set(Number(port.published), port.target);
      continue;
    }
    const parts = String(port)
      .replace(/\/\w+$/, '')
      .split(':');
    if (parts.length >= 2) ports.set(Number(parts[parts.length - 2]), Number(parts[parts.length - 1]));
  }
  return ports;
}

function dependencyConditions(name: string): Record<string, string> {
  const deps = service(name).depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([d, spec]) => [d, spec.condition ?? 'service_started']));
}

function volumeMounts(name: string): { source?: string; target: string }[] {
  return (service(name).volumes ?? []).map((v) => {
    if (typeof v !== 'string') return v;
    const [source, target] = v.split(':');
    return target === undefined ? { target: source ?? '' } : { source, target };
  });
}

/** A value as Compose would pass it with nothing set in the shell or `.env`: `${NAME:-default}` becomes `default`. */
function withDefaults(value: string): string {
  return value.replace(/\$\{\w+(?::?-([^}]*))?\}/g, (_, fallback: string | undefined) => fallback ?? '');
}

/** An image reference is pinned when it names a version tag (or a digest) written in the file, not `latest`. */
function isPinned(image: string): boolean {
  if (image.includes('${')) return false;
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const lastSegment = image.split('/').pop() ?? '';
  const tag = lastSegment.includes(':') ? lastSegment.split(':').pop() : undefined;
  return tag !== undefined && tag !== '' && tag !== 'latest' && /\d/.test(tag);
}

/** Environment variable names the worker's own source reads: schema keys and `env.NAME` accesses under worker/. */
function workerEnvNames(): Set<string> {
  const names = new Set<string>();
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const file = path.join(dir, entry);
      if (statSync(file).isDirectory()) visit(file);
      else if (file.endsWith('.ts')) {
        const text = readFileSync(file, 'utf8');
        for (const m of text.matchAll(/^\s*([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\s*:/gm)) names.add(m[1] as string);
        for (const m of text.matchAll(/\benv(?:\.|\[')([A-Z][A-Z0-9_]+)/g)) names.add(m[1] as string);
      }
    }
  };
  visit(path.join(ROOT, 'worker'));
  // The connection's TEMPORAL_* variables are read through shared/temporal-connection.ts (the SDK's envconfig).
  for (const name of TEMPORAL_CONNECTION_VARIABLES) names.add(name);
  return names;
}

/** Standard OpenTelemetry SDK variables; an OTel SDK in the worker reads them, not our config code. */
const OTEL_STANDARD_ENV = new Set([
  'OTEL_SDK_DISABLED',
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_TRACES_EXPORTER',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_LOG_LEVEL',
]);

describe('docker-compose.yml', () => {
  test('has the expected services, each with a pinned image or a build', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [
        'jaeger',
        'postgresql',
        'register-search-attributes',
        'reins-store-setup',
        'temporal',
        'temporal-ui',
        'worker',
      ].sort(),
    );
    for (const [name, svc] of Object.entries(compose.services)) {
      if (svc.image === undefined) expect({ name, build: svc.build }).toEqual({ name, build: expect.anything() });
      else
        expect({ name, image: svc.image, pinned: isPinned(svc.image) }).toEqual({
          name,
          image: svc.image,
          pinned: true,
        });
    }
    expect(service('temporal').image).toMatch(/^temporalio\/auto-setup:/);
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:/);
    expect(service('register-search-attributes').image).toMatch(/^temporalio\/admin-tools:/);
    expect(service('jaeger').image).toMatch(/^jaegertracing\/all-in-one:/);
  });

  test('every long-running service has a health check, and dependants wait for it', () => {
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'worker']) {
      expect({ name, test: service(name).healthcheck?.test }).toEqual({ name, test: expect.anything() });
    }
    const dependsOn = (name: string) => service(name).depends_on as Record<string, { condition: string }>;
    expect(dependsOn('temporal-ui').temporal?.condition).toBe('service_healthy');
    expect(dependsOn('register-search-attributes').temporal?.condition).toBe('service_healthy');
    // The worker's check is a script of this repository, compiled into the image's dist/ with the rest.
    const check = service('worker').healthcheck?.test as string[];
    const script = check.find((arg) => /^dist\/.+\.js$/.test(arg));
    expect(script).toBeDefined();
    const source = script!.replace(/^dist\//, '').replace(/\.js$/, '.ts');
    expect(existsSync(path.join(ROOT, source))).toBe(true);
    expect(check.some((arg) => arg === 'tsx' || arg.startsWith('tsx/'))).toBe(false);
  });

  test('the UI image is the release the dev server embeds, so both show user metadata and current details', async () => {
    const cli = await findOrInstallTemporalCli({ log: () => undefined });
    if (cli.kind !== 'path') throw new Error('no Temporal CLI to compare the UI release with');
    // `Temporal CLI 1.9.1 (Server 1.32.0, UI 2.54.1)`
    const embedded = /\bUI (\d+\.\d+\.\d+)/.exec(execFileSync(cli.path, ['--version'], { encoding: 'utf8' }))?.[1];
    expect(embedded).toBeDefined();
    expect(service('temporal-ui').image).toBe(`temporalio/ui:${embedded}`);
  });

  test('publishes the Temporal frontend, the two UIs and the OTLP receiver', () => {
    expect(publishedPorts('temporal').get(7233)).toBe(7233);
    expect(publishedPorts('temporal-ui').get(8080)).toBe(8080);
    expect(publishedPorts('jaeger').get(16686)).toBe(16686);
    expect(publishedPorts('jaeger').get(4318)).toBe(4318);
  });

  test('Temporal persists to the PostgreSQL service once it is healthy', () => {
    const postgres = service('postgresql');
    expect(postgres.healthcheck?.test).toBeDefined();
    const dataVolume = volumeMounts('postgresql').find((v) => v.target === '/var/lib/postgresql/data');
    expect(Object.keys(compose.volumes ?? {})).toContain(dataVolume?.source);

    const temporal = env('temporal');
    expect(temporal).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql', POSTGRES_USER: 'temporal' });
    expect(Number(temporal.DB_PORT)).toBe(5432);
    expect(temporal.POSTGRES_PWD).toBe(env('postgresql').POSTGRES_PASSWORD);
    expect(dependencyConditions('temporal')).toEqual({ postgresql: 'service_healthy' });
  });

  test('everything that talks to Temporal uses the temporal service and one namespace', () => {
    expect(env('temporal-ui').TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(env('register-search-attributes').TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(env('worker').TEMPORAL_ADDRESS).toBe('temporal:7233');
    const namespace = env('temporal').DEFAULT_NAMESPACE;
    expect(namespace).toBe('default');
    expect(env('register-search-attributes').TEMPORAL_NAMESPACE).toBe(namespace);
    expect(env('worker').TEMPORAL_NAMESPACE).toBe(namespace);
  });

  test('the worker sets only variables the worker reads, and never an empty one', () => {
    const readByWorker = workerEnvNames();
    // Guards the parsing above: these are the config keys the worker has always had.
    for (const known of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'REINS_TASK_QUEUE', 'REINS_DATA_DIR']) {
      expect(readByWorker).toContain(known);
    }
    const worker = env('worker');
    const unknown = Object.keys(worker).filter((name) => !readByWorker.has(name) && !OTEL_STANDARD_ENV.has(name));
    expect(unknown).toEqual([]);
    // '' is not "unset": zod rejects an empty OPENAI_BASE_URL, so pass-through variables must have no value at all.
    const mayBeEmpty = (value: EnvValue) => value === '' || /^\$\{\w+(:?-)?\}$/.test(String(value));
    expect(Object.entries(worker).filter(([, value]) => mayBeEmpty(value))).toEqual([]);
    expect(worker).toHaveProperty('OPENAI_API_KEY', null);
    expect(worker).toHaveProperty('OPENAI_BASE_URL', null);
    expect(worker).toMatchObject({
      REINS_TASK_QUEUE: 'reins',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318',
      OTEL_SERVICE_NAME: 'reins-worker',
    });
  });

  test('workers share no volume: the data directory is a per-container cache', () => {
    const dataDir = env('worker').REINS_DATA_DIR;
    expect(typeof dataDir).toBe('string');
    // Neither a named volume nor a host directory: either would be one directory under every replica.
    const mounts = volumeMounts('worker');
    expect(mounts.filter((m) => m.source !== undefined)).toEqual([]);
    expect(mounts.map((m) => m.target)).not.toContain(dataDir);
    // Temporal's database is the only named volume.
    expect(Object.keys(compose.volumes ?? {})).toEqual(['postgres-data']);
  });

  test('the worker scales with --scale worker=N: no fixed name, hostname or host port', () => {
    const worker = service('worker');
    expect(worker.container_name).toBeUndefined();
    // The health check finds this container's poller by its hostname; replicas must each have their own.
    expect(worker.hostname).toBeUndefined();
    expect(publishedPorts('worker').size).toBe(0);
    expect(worker.ports ?? []).toEqual([]);
  });

  test('the worker keeps run state in a PostgreSQL store on the compose PostgreSQL service', () => {
    const worker = env('worker');
    const settings = storeSettingsFromEnv({
      REINS_STORE: withDefaults(String(worker.REINS_STORE)),
      REINS_STORE_SCHEMA: worker.REINS_STORE_SCHEMA === undefined ? undefined : String(worker.REINS_STORE_SCHEMA),
    });
    expect(settings.kind).toBe('postgres');
    if (settings.kind !== 'postgres') return;
    expect(settings.schema).toBe('reins');
    const url = new URL(settings.url);
    expect(url.hostname).toBe('postgresql');
    expect(Number(url.port || 5432)).toBe(5432);
    expect(url.username).toBe('reins');
    expect(url.pathname).toBe('/reins');
    // The password comes from one variable, with one default, on both sides.
    expect(String(worker.REINS_STORE)).toContain(':${REINS_STORE_PASSWORD:-reins}@');
    expect(env('reins-store-setup').REINS_STORE_PASSWORD).toBe('${REINS_STORE_PASSWORD:-reins}');
  });

  test('a one-shot job creates the store role and database before any worker starts', () => {
    const setup = service('reins-store-setup');
    expect(setup.restart ?? 'no').toBe('no');
    expect(dependencyConditions('reins-store-setup')).toEqual({ postgresql: 'service_healthy' });
    expect(dependencyConditions('worker')).toMatchObject({ 'reins-store-setup': 'service_completed_successfully' });
    expect(setup.image).toBe(service('postgresql').image);
    const setupEnv = env('reins-store-setup');
    expect(setupEnv).toMatchObject({ PGHOST: 'postgresql', PGUSER: env('postgresql').POSTGRES_USER });
    expect(setupEnv.PGPASSWORD).toBe(env('postgresql').POSTGRES_PASSWORD);

    const script = [setup.entrypoint, setup.command].flat().join('\n');
    // Idempotent: it runs on every `up`, against a database that may already have both.
    expect(script).toMatch(/CREATE ROLE reins LOGIN' WHERE NOT EXISTS/);
    expect(script).toMatch(/CREATE DATABASE reins' WHERE NOT EXISTS/);
    expect(script).toMatch(/NOSUPERUSER NOCREATEDB NOCREATEROLE/);
    // The password reaches psql as a variable, quoted by psql, never spliced into the SQL by the shell.
    expect(script).toContain('-v pw="$$REINS_STORE_PASSWORD"');
    expect(script).toContain("PASSWORD :'pw'");
    expect(script).toContain('set -eu');
    expect(script).toContain('ON_ERROR_STOP=1');
    // The workers create and migrate their schema at start, so the role may create one in its database, and that
    // database is closed to everyone else.
    expect(read('shared/store/postgres/pg-store.ts')).toContain('CREATE SCHEMA IF NOT EXISTS');
    expect(script).toContain('REVOKE ALL ON DATABASE reins FROM PUBLIC');
    expect(script).toContain('GRANT CONNECT, CREATE ON DATABASE reins TO reins');
  });

  test('the worker waits long enough on SIGTERM for its cancelled calls to stop', () => {
    const grace = /^(\d+)s$/.exec(String(service('worker').stop_grace_period));
    expect(Number(grace?.[1])).toBeGreaterThanOrEqual(30);
  });

  test('the worker starts only after the search attributes are registered', () => {
    expect(dependencyConditions('worker')).toMatchObject({
      'register-search-attributes': 'service_completed_successfully',
    });
    // A one-shot that restarted after success would never count as completed.
    expect(service('register-search-attributes').restart ?? 'no').toBe('no');
  });
});

describe('search attribute registration', () => {
  const script = read('deploy/register-search-attributes.sh');

  test('the compose job runs the script from the mounted deploy directory', () => {
    const deployMount = volumeMounts('register-search-attributes').find((v) => v.source === './deploy');
    expect(deployMount).toBeDefined();
    const invocation = [service('register-search-attributes').entrypoint, service('register-search-attributes').command]
      .flat()
      .filter((part): part is string => typeof part === 'string')
      .join(' ');
    expect(invocation).toContain(`${deployMount?.target}/register-search-attributes.sh`);
  });

  test('registers exactly the search attributes the workflows use, with their types', () => {
    const registered = [...script.matchAll(/^register (\w+) (\w+)/gm)].map((m) => `${m[1]} ${m[2]}`);
    const expected = REINS_SEARCH_ATTRIBUTE_KEYS.map((key) => `${key.name} ${CLI_TYPE_NAMES[key.type]}`);
    expect(registered.sort()).toEqual(expected.sort());
    expect(script).toMatch(/operator search-attribute create --namespace "\$NAMESPACE" --address "\$ADDRESS"/);
  });
});

describe('Dockerfile', () => {
  const build = service('worker').build;
  const context = typeof build === 'string' ? build : (build?.context ?? '.');
  const dockerfilePath = path.join(ROOT, context, (typeof build === 'object' && build.dockerfile) || 'Dockerfile');

  test('exists where the worker build points', () => {
    expect(existsSync(dockerfilePath)).toBe(true);
  });

  const dockerfile = existsSync(dockerfilePath) ? readFileSync(dockerfilePath, 'utf8') : '';
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const args = Object.fromEntries(
    instructions.flatMap((line) => {
      const m = /^ARG (\w+)=(\S+)$/.exec(line);
      return m ? [[m[1], m[2]]] : [];
    }),
  );

  test('builds from pinned base images', () => {
    const bases = instructions
      .filter((line) => line.startsWith('FROM '))
      .map((line) => (line.split(/\s+/)[1] ?? '').replace(/^\$\{(\w+)\}$/, (_, name: string) => args[name] ?? ''));
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) expect({ base, pinned: isPinned(base) }).toEqual({ base, pinned: true });
  });

  /** The instructions of each stage, by the name after `AS`. */
  const stages = new Map<string, string[]>();
  let current: string[] = [];
  for (const line of instructions) {
    const from = /^FROM \S+(?: AS (\S+))?$/i.exec(line);
    if (from) stages.set(from[1] ?? `stage-${stages.size}`, (current = []));
    else current.push(line);
  }

  test('runs the compiled worker, dist/worker/main.js, without tsx, as a non-root user', () => {
    const cmd = instructions.filter((line) => line.startsWith('CMD ')).pop();
    const argv = JSON.parse(cmd?.slice(4) ?? '[]') as string[];
    expect(argv).toEqual(['node', 'dist/worker/main.js']);
    expect(existsSync(path.join(ROOT, 'worker', 'main.ts'))).toBe(true);
    const user = instructions.filter((line) => line.startsWith('USER ')).pop();
    expect(user?.slice(5).trim()).not.toMatch(/^(root|0)(:|$)/);
    expect(user).toBeDefined();
  });

  test('compiles in a build stage; the runtime stage has production dependencies and dist/ only', () => {
    const build = stages.get('build') ?? [];
    expect(build).toContain('RUN npm run build');
    const runtime = [...stages.values()].pop() ?? [];
    expect(runtime).toContain('COPY --from=build /app/dist ./dist');
    // Its node_modules come from a stage that installed without dev dependencies (no compiler, no tsx).
    const modules = runtime.find((line) => /^COPY --from=\S+ \/app\/node_modules /.test(line));
    const depsStage = stages.get(/--from=(\S+)/.exec(modules ?? '')?.[1] ?? '') ?? [];
    expect(depsStage.join('\n')).toMatch(/npm ci [^\n]*--omit=dev/);
    // No TypeScript sources reach the runtime image.
    const copied = runtime.filter((line) => line.startsWith('COPY ') && !line.includes('--from='));
    for (const folder of ['common', 'shared', 'workflows', 'activities', 'worker', 'client', 'cli', 'scripts']) {
      expect(copied.filter((line) => line.split(/\s+/)[1] === folder)).toEqual([]);
    }
    // What the build compiles is what the image needs to run.
    const buildConfig = JSON.parse(read('tsconfig.build.json')) as { include: string[] };
    expect(buildConfig.include).toEqual(expect.arrayContaining(['worker', 'workflows', 'activities', 'scripts']));
  });

  test('copies sources that exist and installs bubblewrap, and python3 for run_code', () => {
    const copied = instructions
      .filter((line) => line.startsWith('COPY ') && !line.includes('--from='))
      .flatMap((line) => line.split(/\s+/).slice(1, -1));
    expect(copied).toEqual(expect.arrayContaining(['worker', 'workflows', 'activities', 'common', 'package.json']));
    for (const source of copied)
      expect({ source, exists: existsSync(path.join(ROOT, context, source)) }).toEqual({ source, exists: true });
    expect(instructions.join('\n')).toMatch(/apt-get install[^\n]*\bbubblewrap\b/);
    expect(instructions.join('\n')).toMatch(/apt-get install[^\n]*\bpython3\b/);
  });

  test('.dockerignore keeps local state and secrets out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim().replace(/\/$/, ''));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.git', '.temporal', '.reins', '.env']));
  });
});
