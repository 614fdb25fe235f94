import path from 'node:path';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import OpenAI from 'openai';
import { ConversationStore } from '../activities/model/conversation-store';
import { ProviderRegistry } from '../activities/model/provider-registry';
import { checkSecretDirectory, directorySecretSource } from '../activities/secrets/secret-files';
import type { NamedSecret } from '../activities/secrets/scrub';
import { envSecretSource, SecretResolver, type SecretSource } from '../activities/secrets/secret-resolver';
import { reinsDataConverter } from '../shared/payload-storage';
import {
  createActivities,
  McpPool,
  PolicySource,
  RolesFileDirectory,
  createWorkspaceStore,
  type Directory,
} from '../activities';
import type { ToolImplementation } from '../common/tools/define-tool';
import { PAYLOAD_GUARD_WORKFLOW_MODULE } from './bundle-options';
import { WorkerConfigError } from '../common/worker-config-error';
import { NO_MODEL_KEY, type WorkerConfig } from './config';
import { guardActivityInputs } from './guarded-activities';
import { connectWorker } from './temporal-connect';
import { telemetryFromEnv, type WorkerTelemetry } from './tracing';

export interface ReinsWorkerOptions {
  config: WorkerConfig;
  /** Reuse an open connection (tests share one); otherwise one is opened as `config` says (address, TLS, API key). */
  connection?: NativeConnection;
  /** A prebuilt workflow bundle; without it the workflows are bundled at start (a few seconds). */
  workflowBundle?: { code: string };
  extraTools?: ToolImplementation[];
  /** Passed through to the Temporal worker (e.g. shutdownGraceTime). */
  workerOptions?: Partial<WorkerOptions>;
  /** How often long activities heartbeat; lower values deliver cancellation sooner. */
  heartbeatIntervalMs?: number;
  /** Tracing; by default from the OTEL_EXPORTER_OTLP_* environment (off when unset). `null` turns it off. */
  telemetry?: WorkerTelemetry | null;
  /**
   * Who users are: an organisation's own directory (LDAP, SCIM, HTTP...). Without it, `config.rolesFile` builds one
   * over the roles file; with neither, runs take roles from their input. Setting both is refused.
   */
  directory?: Directory;
}

export function createModelClient(config: WorkerConfig['model']): OpenAI {
  // Temporal retries with backoff and the provider's retry-after; the SDK retrying too would multiply attempts.
  return new OpenAI({ apiKey: config.apiKey, baseURL: config.baseURL, maxRetries: 0, timeout: 10 * 60_000 });
}

/**
 * The model keys this worker was configured with, under the names they came by: known to the scrubber whatever that
 * name looks like (a key given in code, a provider's `apiKeyEnv` that does not sound secret), and resolvable by it.
 */
function configuredKeys(config: WorkerConfig, env: NodeJS.ProcessEnv = process.env): SecretSource {
  const entries = (): NamedSecret[] => {
    const keys: NamedSecret[] = [];
    // The placeholder sent to servers that need no key is not a secret.
    if (config.model.apiKey !== NO_MODEL_KEY) keys.push({ name: 'OPENAI_API_KEY', value: config.model.apiKey });
    for (const provider of config.providers ?? []) {
      const value = provider.apiKeyEnv ? env[provider.apiKeyEnv] : undefined;
      if (provider.apiKeyEnv && value) keys.push({ name: provider.apiKeyEnv, value });
    }
    return keys;
  };
  return {
    get: (name) => entries().find((key) => key.name === name)?.value,
    entries,
    describe: () => 'the worker model configuration',
  };
}

/** A Temporal worker that runs agent-run workflows and their model and tool activities. */
export async function createReinsWorker(options: ReinsWorkerOptions): Promise<Worker> {
  const { config } = options;
  const connection = options.connection ?? (await connectWorker(config));
  const storage = { dataDir: config.dataDir, sandbox: config.sandbox, workspaceRetention: config.workspaceRetention };
  // Workspaces whose retention ran out while no worker was up go now; a failed sweep must not keep the worker down.
  await createWorkspaceStore(storage)
    .sweep()
    .catch((error: unknown) => console.warn(`reins: sweeping expired workspaces failed: ${String(error)}`));
  const sources: SecretSource[] = [envSecretSource()];
  if (config.secretsDir) {
    // A missing directory or a secret others can read stops the worker now, not a run later.
    checkSecretDirectory(config.secretsDir);
    sources.push(directorySecretSource(config.secretsDir));
  }
  sources.push(configuredKeys(config));
  const secrets = new SecretResolver(sources);
  const policy = config.policyFile ? new PolicySource(config.policyFile) : undefined;
  // A policy file that is missing or invalid stops the worker now; later changes are re-read as runs start.
  if (policy) {
    try {
      policy.get();
    } catch (error) {
      throw new WorkerConfigError((error as Error).message);
    }
  }
  const directory = workerDirectory(options);
  const mcpPool = new McpPool({ secrets });
  const defaultClient = { openai: createModelClient(config.model), label: config.model.provider };
  const providers = new ProviderRegistry({
    providers: config.providers ?? [],
    defaultClient,
    secrets,
    taskQueue: config.taskQueue,
  });
  const activities = guardActivityInputs(
    createActivities({
      secrets,
      mcpPool,
      ...(policy ? { policy } : {}),
      ...(directory ? { directory } : {}),
      model: {
        openai: defaultClient.openai,
        provider: config.model.provider,
        providers,
        conversations: new ConversationStore(path.join(config.dataDir, 'conversations')),
      },
      ...storage,
      extraTools: options.extraTools,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
    }),
  );
  const telemetry = options.telemetry === undefined ? telemetryFromEnv() : options.telemetry;
  const bundled = options.workflowBundle !== undefined;
  const telemetryOptions = telemetry?.workerOptions(bundled, { providerName: (name) => providers.label(name) });
  const dataConverter = () =>
    reinsDataConverter({
      dir: config.payloadDir ?? path.join(config.dataDir, 'payloads'),
      // Unset: the keys in this process's environment, as the clients use.
      encryption: config.encryptionKeys,
      role: 'worker',
    });
  const worker = await Worker.create({
    connection,
    namespace: config.namespace,
    dataConverter: dataConverter(),
    taskQueue: config.taskQueue,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('../workflows') }),
    activities,
    ...(config.maxConcurrentActivities ? { maxConcurrentActivityTaskExecutions: config.maxConcurrentActivities } : {}),
    ...(config.maxConcurrentWorkflowTasks
      ? { maxConcurrentWorkflowTaskExecutions: config.maxConcurrentWorkflowTasks }
      : {}),
    ...telemetryOptions,
    // A bundle built ahead carries its interceptor modules (REINS_BUNDLE_OPTIONS); one built here gets them now.
    ...(bundled
      ? {}
      : {
          interceptors: {
            ...telemetryOptions?.interceptors,
            workflowModules: [
              PAYLOAD_GUARD_WORKFLOW_MODULE,
              ...(telemetryOptions?.interceptors?.workflowModules ?? []),
            ],
          },
        }),
    ...options.workerOptions,
  });
  // A rate-limited provider's calls have a queue of their own whose rate the server enforces across all workers.
  const providerWorkers = await Promise.all(
    providers.rateLimited().map((queue) =>
      Worker.create({
        connection,
        namespace: config.namespace,
        dataConverter: dataConverter(),
        taskQueue: queue.taskQueue,
        activities,
        maxTaskQueueActivitiesPerSecond: queue.perSecond,
      }),
    ),
  );
  if (providerWorkers.length > 0) {
    const runMain = worker.run.bind(worker);
    worker.run = () => runAlongside(runMain, providerWorkers);
  }
  // MCP servers started for this worker's activities stop with it (runUntil goes through run as well).
  const run = worker.run.bind(worker);
  worker.run = () => run().finally(() => Promise.all([mcpPool.close(), telemetry?.flush()]));
  return worker;
}

/** The worker's directory: the one passed in, or the roles file's, which must be valid now or the worker stops. */
function workerDirectory(options: ReinsWorkerOptions): Directory | undefined {
  const { rolesFile } = options.config;
  if (options.directory && rolesFile) {
    // Two sources of roles would leave it unclear which one a run was judged by.
    throw new WorkerConfigError(
      `a directory was passed to the worker and REINS_ROLES_FILE is set (${rolesFile}): use one or the other`,
    );
  }
  if (options.directory || !rolesFile) return options.directory;
  const directory = new RolesFileDirectory(rolesFile);
  // Later changes are re-read as runs look users up; a bad change keeps the last good version.
  try {
    directory.check();
  } catch (error) {
    throw new WorkerConfigError((error as Error).message);
  }
  return directory;
}

/** Runs the provider queues' workers for as long as the main worker runs. */
async function runAlongside(runMain: () => Promise<void>, others: Worker[]): Promise<void> {
  const running = others.map((other) =>
    other.run().catch((error: unknown) => console.warn(`reins: a provider queue worker stopped: ${String(error)}`)),
  );
  try {
    await runMain();
  } finally {
    for (const other of others) if (other.getState() === 'RUNNING') other.shutdown();
    await Promise.all(running);
  }
}
