import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import OpenAI from 'openai';
import { ConversationStore } from '../activities/model/conversation-store';
import { ProviderRegistry } from '../activities/model/provider-registry';
import { checkSecretDirectory, directorySecretSource } from '../activities/secrets/secret-files';
import type { NamedSecret } from '../activities/secrets/scrub';
import { envSecretSource, SecretResolver, type SecretSource } from '../activities/secrets/secret-resolver';
import { reinsDataConverter } from '../shared/payload-storage';
import { StoreConfigError, type StoreSettings } from '../shared/store/store-settings';
import {
  createActivities,
  McpPool,
  PolicySource,
  RolesFileDirectory,
  createWorkspaceStore,
  createRunStateStore,
  type Directory,
  type ReinsActivities,
} from '../activities';
import type { ToolImplementation } from '../common/tools/define-tool';
import { DEFAULT_TASK_QUEUE } from '../common/task-queues';
import { WorkerConfigError } from '../common/worker-config-error';
import { NO_MODEL_KEY, type WorkerConfig } from './config';
import { guardActivityInputs } from './guarded-activities';
import { telemetryFromEnv, type WorkerTelemetry } from './tracing';

/**
 * What the plugin needs of the worker's settings. The connection, namespace and concurrency belong to the worker the
 * plugin is added to; `taskQueue` is only read to name a rate-limited provider's own queue (`reins` when unset).
 */
export type ReinsPluginConfig = Omit<
  WorkerConfig,
  'temporalAddress' | 'namespace' | 'taskQueue' | 'maxConcurrentActivities' | 'maxConcurrentWorkflowTasks'
> & { taskQueue?: string };

export interface ReinsSetupOptions {
  config: ReinsPluginConfig;
  /** Tools beyond the built-ins, e.g. an organisation's own integrations. */
  extraTools?: ToolImplementation[];
  /** How often long activities heartbeat; lower values deliver cancellation sooner. */
  heartbeatIntervalMs?: number;
  /** Tracing; by default from the OTEL_EXPORTER_OTLP_* environment (off when unset). `null` turns it off. */
  telemetry?: WorkerTelemetry | null;
  /**
   * Who users are: an organisation's own directory (LDAP, SCIM, HTTP...). Without it, `config.rolesFile` builds one
   * over the roles file; with neither, runs take roles from their input. Setting both is refused.
   */
  directory?: Directory;
  /** How often a running worker sweeps expired workspaces, copies and run state by itself (30 minutes). */
  sweepEveryMs?: number;
}

/** Everything a reins worker registers, built once and checked before any worker polls. */
export interface ReinsParts {
  activities: ReinsActivities;
  providers: ProviderRegistry;
  mcpPool: McpPool;
  telemetry: WorkerTelemetry | undefined;
  /** The main task queue the provider queues are named after. */
  taskQueue: string;
  /** A fresh converter per worker or client: `worker` decodes tolerantly, `client` fails on what it cannot read. */
  dataConverter(role: 'worker' | 'client'): DataConverter;
  /** Removes workspaces, copies and run state whose retention ran out (also run at start). */
  sweep(): Promise<void>;
  /** How often `sweep` runs while a worker runs. */
  sweepEveryMs: number;
}

/** Runs ending on a worker sweep now and then; one whose runs all end elsewhere sweeps at least this often. */
export const PERIODIC_SWEEP_MS = 30 * 60_000;

export function createModelClient(config: WorkerConfig['model']): OpenAI {
  // Temporal retries with backoff and the provider's retry-after; the SDK retrying too would multiply attempts.
  return new OpenAI({ apiKey: config.apiKey, baseURL: config.baseURL, maxRetries: 0, timeout: 10 * 60_000 });
}

/**
 * The model keys this worker was configured with, under the names they came by: known to the scrubber whatever that
 * name looks like (a key given in code, a provider's `apiKeyEnv` that does not sound secret), and resolvable by it.
 */
function configuredKeys(config: ReinsPluginConfig, env: NodeJS.ProcessEnv = process.env): SecretSource {
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

/**
 * The asynchronous part of a reins worker's start: the workspace sweep, and the checks that stop a misconfigured
 * worker before it takes work (secrets directory, policy file, roles file). Then the activities over them.
 */
export async function prepareReins(options: ReinsSetupOptions): Promise<ReinsParts> {
  const { config } = options;
  const store: StoreSettings = config.store ?? {
    kind: 'fs',
    dataDir: config.dataDir,
    payloadDir: config.payloadDir ?? path.join(config.dataDir, 'payloads'),
  };
  const runState = createRunStateStore(store, { dataDir: config.dataDir, encryption: config.encryptionKeys });
  // A store that cannot be reached (or migrated) stops the worker now, not its first run.
  try {
    await runState.check();
  } catch (error) {
    if (error instanceof StoreConfigError) throw new WorkerConfigError(error.message);
    throw error;
  }
  const storage = {
    dataDir: config.dataDir,
    sandbox: config.sandbox,
    workspaceRetention: config.workspaceRetention,
    runState,
    ...(config.payloadRetention ? { payloadRetention: config.payloadRetention } : {}),
    ...(config.snapshotMaxBytes ? { snapshotMaxBytes: config.snapshotMaxBytes } : {}),
  };
  // Workspaces whose retention ran out while no worker was up go now; a failed sweep must not keep the worker down.
  const sweeper = createWorkspaceStore(storage);
  const sweep = () =>
    sweeper.sweep().then(
      () => undefined,
      (error: unknown) => console.warn(`reins: sweeping expired workspaces failed: ${String(error)}`),
    );
  await sweep();
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
  const taskQueue = config.taskQueue ?? DEFAULT_TASK_QUEUE;
  const providers = new ProviderRegistry({ providers: config.providers ?? [], defaultClient, secrets, taskQueue });
  const activities = guardActivityInputs(
    createActivities({
      secrets,
      mcpPool,
      ...(policy ? { policy } : {}),
      ...(directory ? { directory } : {}),
      ...(config.consoleUrl ? { consoleUrl: config.consoleUrl } : {}),
      model: {
        openai: defaultClient.openai,
        provider: config.model.provider,
        providers,
        conversations: new ConversationStore(runState.conversations),
      },
      ...storage,
      extraTools: options.extraTools,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
    }),
  );
  const telemetry = options.telemetry === undefined ? telemetryFromEnv() : (options.telemetry ?? undefined);
  const dataConverter = (role: 'worker' | 'client') =>
    reinsDataConverter({
      store,
      // Unset: the keys in this process's environment, as the clients use.
      encryption: config.encryptionKeys,
      role,
    });
  const sweepEveryMs = options.sweepEveryMs ?? PERIODIC_SWEEP_MS;
  return { activities, providers, mcpPool, telemetry, taskQueue, dataConverter, sweep, sweepEveryMs };
}

/** The worker's directory: the one passed in, or the roles file's, which must be valid now or the worker stops. */
function workerDirectory(options: ReinsSetupOptions): Directory | undefined {
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
