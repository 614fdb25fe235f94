import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  MAX_SANDBOX_SECONDS,
  sandboxSettings,
  SandboxModeSchema,
  type SandboxSettings,
} from '../activities/sandbox/settings';
import { WorkspaceRetentionSchema, type WorkspaceRetention } from '../activities/sandbox/workspace-retention';
import { ProvidersFileSchema, type ProviderConfig } from '../common/providers';
import { EncryptionConfigError, encryptionKeysFromEnv, type EncryptionKeys } from '../shared/codec';
import { DEFAULT_TASK_QUEUE } from '../common/task-queues';
import {
  loadTemporalConnection,
  type TemporalConnection,
  type TemporalConnectionSource,
} from '../shared/temporal-connection';
import { describeZodIssues } from '../common/zod-issues';
import { WorkerConfigError } from '../common/worker-config-error';
import { StoreConfigError, storeSettingsFromEnv, type StoreSettings } from '../shared/store/store-settings';

/** The key sent to OpenAI-compatible servers that need none (the SDK insists on one); not a secret. */
export const NO_MODEL_KEY = 'not-needed';

const optionalPositiveInt = z.coerce.number().int().positive().optional();

/**
 * On SIGTERM the worker stops polling at once and gives running activities this long to finish; after it they are
 * cancelled and retried elsewhere. The default ends before Kubernetes' default 30 s grace turns into a SIGKILL, so a
 * tool call that writes is rarely cut off halfway (the ledger still makes a retried call safe when one is).
 */
export const DEFAULT_SHUTDOWN_GRACE_MS = 25_000;
const MAX_SHUTDOWN_GRACE_MS = 15 * 60_000;

const ShutdownGraceSchema = z
  .string()
  .trim()
  .transform((text, ctx): number => {
    const match = /^(\d{1,7})\s*(ms|s|m)$/.exec(text);
    const ms = match ? Number(match[1]) * { ms: 1, s: 1_000, m: 60_000 }[match[2] as 'ms' | 's' | 'm'] : NaN;
    if (!(ms >= 0 && ms <= MAX_SHUTDOWN_GRACE_MS)) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not a shutdown grace: use a duration from 0s to 15m` });
      return z.NEVER;
    }
    return ms;
  });

/** reins' own settings; the Temporal connection (TEMPORAL_*, profiles) is read by shared/temporal-connection.ts. */
const WorkerEnvSchema = z.object({
  REINS_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  OPENAI_BASE_URL: z.url().optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  /** A label for the model provider in summaries and state; derived from the base URL when unset. */
  REINS_MODEL_PROVIDER: z.string().min(1).optional(),
  /** YAML or JSON file of further model providers (see docs/providers.md). */
  REINS_PROVIDERS_FILE: z.string().min(1).optional(),
  /** Where run workspaces and tool-call ledgers are kept. */
  REINS_DATA_DIR: z.string().min(1).default('.reins'),
  /** Claim-check store for large payloads; shared by workers and clients (defaults under the data dir). */
  REINS_PAYLOAD_DIR: z.string().min(1).optional(),
  /** `fs` (the default: run state under REINS_DATA_DIR) or a PostgreSQL URL every worker and client shares. */
  REINS_STORE: z.string().optional(),
  REINS_STORE_SCHEMA: z.string().optional(),
  /** How long a finished run's claim-checked payloads stay in the store: a duration (`30d`), `keep` or `delete`. */
  REINS_PAYLOAD_RETENTION: WorkspaceRetentionSchema.optional(),
  /** The largest workspace archive a PostgreSQL store keeps, in MB (default 64). */
  REINS_WORKSPACE_SNAPSHOT_MAX_MB: z.coerce.number().int().positive().max(1024).optional(),
  /** How long a stopping worker lets in-flight calls finish before it cancels them: `0s` to `15m` (default 25s). */
  REINS_SHUTDOWN_GRACE: ShutdownGraceSchema.optional(),
  REINS_MAX_CONCURRENT_ACTIVITIES: optionalPositiveInt,
  REINS_MAX_CONCURRENT_WORKFLOW_TASKS: optionalPositiveInt,
  /** How run_code is isolated; `unsafe-host` is an explicit opt-out that every run_code definition then warns about. */
  REINS_SANDBOX: SandboxModeSchema.default('bubblewrap'),
  REINS_SANDBOX_MAX_SECONDS: z.coerce.number().int().positive().max(MAX_SANDBOX_SECONDS).optional(),
  REINS_SANDBOX_MEMORY_MB: z.coerce.number().int().min(64).optional(),
  REINS_SANDBOX_MAX_PROCESSES: z.coerce.number().int().min(4).optional(),
  REINS_SANDBOX_MAX_OUTPUT_KB: z.coerce.number().int().positive().max(1024).optional(),
  /** `delete`, `keep`, or a duration such as `24h` after which a finished run's workspace is removed. */
  REINS_WORKSPACE_RETENTION: WorkspaceRetentionSchema.optional(),
  /** A directory of secret files (one per secret, named by it, mode 600), looked up after the environment. */
  REINS_SECRETS_DIR: z.string().min(1).optional(),
  /** The platform policy file (YAML): organisation and team rules every new run obeys; re-read when it changes. */
  REINS_POLICY_FILE: z.string().min(1).optional(),
  /** The roles file (YAML): users, their roles and teams, what each role may use; re-read when it changes. */
  REINS_ROLES_FILE: z.string().min(1).optional(),
  /** The approvers' console, e.g. https://reins.example.com: notifications link to `<it>/runs/<run>/approvals/<request>`. */
  REINS_CONSOLE_URL: z
    .string()
    .url()
    .refine((url) => /^https?:\/\//i.test(url), 'must be an http:// or https:// URL')
    .optional(),
});

export interface WorkerConfig {
  temporalAddress: string;
  namespace: string;
  /** How to reach Temporal (TLS, API key, headers); plaintext to `temporalAddress` when unset. */
  temporalConnection?: TemporalConnection;
  taskQueue: string;
  model: { baseURL?: string; apiKey: string; provider: string };
  /** Further providers by name, beside the default one above. */
  providers?: ProviderConfig[];
  dataDir: string;
  /** Where payloads too large for history are kept; `<dataDir>/payloads` when unset. */
  payloadDir?: string;
  /** Where run state and claim-checked payloads live; files under `dataDir` (and `payloadDir`) when unset. */
  store?: StoreSettings;
  /** How long a finished run's claim-checked payloads are kept; 30 days when unset. */
  payloadRetention?: WorkspaceRetention;
  /** The largest workspace archive a shared store keeps; 64 MB when unset. */
  snapshotMaxBytes?: number;
  maxConcurrentActivities?: number;
  maxConcurrentWorkflowTasks?: number;
  /** How long a stopping worker lets running activities finish; DEFAULT_SHUTDOWN_GRACE_MS in `reins worker` when unset. */
  shutdownGraceMs?: number;
  /** Unset: bubblewrap with default limits. */
  sandbox?: SandboxSettings;
  /** Unset: the activities' default (expire after 24 h). */
  workspaceRetention?: WorkspaceRetention;
  /** Secret files, consulted after the environment. */
  secretsDir?: string;
  /** Payload encryption keys, newest last; payloads are not encrypted when unset. */
  encryptionKeys?: EncryptionKeys;
  /** The platform policy file; runs obey only their specs when unset. */
  policyFile?: string;
  /** The roles file the worker's directory reads; runs take roles from their input when unset (and no directory). */
  rolesFile?: string;
  /** The approvers' console base URL; notifications carry no link when unset. */
  consoleUrl?: string;
}

function providerLabel(baseURL: string | undefined): string {
  if (!baseURL) return 'openai';
  const host = new URL(baseURL).hostname;
  return host === 'api.openai.com' ? 'openai' : host;
}

/** Reads and validates a providers file; problems name the file and the field (`providers.1.baseURL: ...`). */
export function loadProvidersFile(file: string): ProviderConfig[] {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new WorkerConfigError(`cannot read REINS_PROVIDERS_FILE ${file}: ${(error as Error).message}`);
  }
  const parsed = ProvidersFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new WorkerConfigError(`REINS_PROVIDERS_FILE ${file} is invalid: ${describeZodIssues(parsed.error)}`);
  }
  return parsed.data.providers;
}

/**
 * Reads the worker's settings from the environment; every problem names its variable. The Temporal connection comes
 * from the standard settings (a config file profile, TEMPORAL_* over it), with `temporal` (CLI flags) over both.
 */
export function loadWorkerConfig(
  env: NodeJS.ProcessEnv = process.env,
  temporal: Omit<TemporalConnectionSource, 'env'> = {},
): WorkerConfig {
  const parsed = WorkerEnvSchema.safeParse(env);
  if (!parsed.success) throw new WorkerConfigError(`invalid worker environment: ${describeZodIssues(parsed.error)}`);
  const e = parsed.data;
  const connection = loadTemporalConnection({ ...temporal, env });
  const providers = e.REINS_PROVIDERS_FILE ? loadProvidersFile(e.REINS_PROVIDERS_FILE) : undefined;
  if (!e.OPENAI_API_KEY && !e.OPENAI_BASE_URL && !providers) {
    throw new WorkerConfigError(
      'OPENAI_API_KEY is not set: set it for OpenAI, set OPENAI_BASE_URL to an OpenAI-compatible server that needs no key, or configure providers in REINS_PROVIDERS_FILE',
    );
  }
  let encryptionKeys: EncryptionKeys | undefined;
  try {
    encryptionKeys = encryptionKeysFromEnv(env);
  } catch (error) {
    if (error instanceof EncryptionConfigError) throw new WorkerConfigError(error.message);
    throw error;
  }
  let store: StoreSettings;
  try {
    store = storeSettingsFromEnv(env);
  } catch (error) {
    if (error instanceof StoreConfigError) throw new WorkerConfigError(error.message);
    throw error;
  }
  return {
    temporalAddress: connection.address,
    namespace: connection.namespace,
    temporalConnection: connection,
    taskQueue: e.REINS_TASK_QUEUE,
    // Local OpenAI-compatible servers ignore the key, but the SDK insists on one.
    model: {
      baseURL: e.OPENAI_BASE_URL,
      apiKey: e.OPENAI_API_KEY ?? NO_MODEL_KEY,
      provider: e.REINS_MODEL_PROVIDER ?? providerLabel(e.OPENAI_BASE_URL),
    },
    ...(providers ? { providers } : {}),
    dataDir: path.resolve(e.REINS_DATA_DIR),
    payloadDir: path.resolve(e.REINS_PAYLOAD_DIR ?? path.join(e.REINS_DATA_DIR, 'payloads')),
    store,
    ...(e.REINS_PAYLOAD_RETENTION ? { payloadRetention: e.REINS_PAYLOAD_RETENTION } : {}),
    ...(e.REINS_WORKSPACE_SNAPSHOT_MAX_MB ? { snapshotMaxBytes: e.REINS_WORKSPACE_SNAPSHOT_MAX_MB * 1024 * 1024 } : {}),
    ...(e.REINS_SHUTDOWN_GRACE !== undefined ? { shutdownGraceMs: e.REINS_SHUTDOWN_GRACE } : {}),
    maxConcurrentActivities: e.REINS_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTasks: e.REINS_MAX_CONCURRENT_WORKFLOW_TASKS,
    sandbox: sandboxSettings({
      mode: e.REINS_SANDBOX,
      limits: {
        ...(e.REINS_SANDBOX_MAX_SECONDS ? { maxSeconds: e.REINS_SANDBOX_MAX_SECONDS } : {}),
        ...(e.REINS_SANDBOX_MEMORY_MB ? { memoryBytes: e.REINS_SANDBOX_MEMORY_MB * 1024 * 1024 } : {}),
        ...(e.REINS_SANDBOX_MAX_PROCESSES ? { maxProcesses: e.REINS_SANDBOX_MAX_PROCESSES } : {}),
        ...(e.REINS_SANDBOX_MAX_OUTPUT_KB ? { maxOutputBytes: e.REINS_SANDBOX_MAX_OUTPUT_KB * 1024 } : {}),
      },
    }),
    workspaceRetention: e.REINS_WORKSPACE_RETENTION,
    secretsDir: e.REINS_SECRETS_DIR ? path.resolve(e.REINS_SECRETS_DIR) : undefined,
    encryptionKeys,
    ...(e.REINS_POLICY_FILE ? { policyFile: path.resolve(e.REINS_POLICY_FILE) } : {}),
    ...(e.REINS_ROLES_FILE ? { rolesFile: path.resolve(e.REINS_ROLES_FILE) } : {}),
    ...(e.REINS_CONSOLE_URL ? { consoleUrl: e.REINS_CONSOLE_URL } : {}),
  };
}
