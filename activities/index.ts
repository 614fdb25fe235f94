import { createDirectoryActivities } from './identity/directory-activities';
import type { Directory } from './identity/directory';
import { createCredentialActivities } from './identity/credential-activities';
import { createMcpActivities, type McpPool } from './mcp';
import { createNotifyActivities } from './notify/notify-activities';
import { createPolicyActivities } from './policy/policy-activities';
import type { PolicySource } from './policy/policy-source';
import { createModelActivities, type ModelActivityDeps } from './model/model-activities';
import { createSandbox } from './sandbox/sandbox';
import { scrubActivityResults } from './secrets/scrub';
import { envSecretSource, SecretResolver } from './secrets/secret-resolver';
import { createSpendActivities } from './budget/spend-ledger-client';
import { DEFAULT_SANDBOX_SETTINGS, type SandboxSettings } from './sandbox/settings';
import path from 'node:path';
import { WorkspaceStore } from './sandbox/workspace-store';
import { DEFAULT_SNAPSHOT_MAX_BYTES, SnapshotWorkspaceSync } from './sandbox/workspace-sync';
import { FilesystemRunStateStore } from './store/fs-run-state-store';
import type { RunStateStore } from './store/run-state-store';
import { RecordSeal } from '../shared/store/record-seal';
import type { WorkspaceRetention } from './sandbox/workspace-retention';
import { createToolActivities } from './tools/tool-activities';
import type { ToolImplementation } from '../common/tools/define-tool';
import { builtInTools, ToolRegistry } from './tools/registry';

export interface ActivityDeps {
  model: ModelActivityDeps;
  /** Where run workspaces live (and, with the filesystem store, the run state). */
  dataDir: string;
  /** Conversations, call ledgers, retention and workspace snapshots; files under `dataDir` when unset. */
  runState?: RunStateStore;
  /** Largest workspace archive a store that other machines share keeps; DEFAULT_SNAPSHOT_MAX_BYTES when unset. */
  snapshotMaxBytes?: number;
  /** How long a finished run's claim-checked payloads are kept (30 days when unset). */
  payloadRetention?: WorkspaceRetention;
  /** Tools beyond the built-ins, e.g. an organisation's own integrations. */
  extraTools?: ToolImplementation[];
  heartbeatIntervalMs?: number;
  /** How run_code is isolated and limited; bubblewrap with default limits when unset. */
  sandbox?: SandboxSettings;
  /** What happens to a run's workspace at run end; see WorkspaceStore. */
  workspaceRetention?: WorkspaceRetention;
  /** Where secret references resolve; the worker's environment when unset. */
  secrets?: SecretResolver;
  /** The worker's MCP connections; pass one to close it at shutdown (`McpPool.close()`). */
  mcpPool?: McpPool;
  /** The platform policy every new run starts under; none when unset. */
  policy?: PolicySource;
  /** Who users are (roles, teams, what each role may use); runs take roles from their input when unset. */
  directory?: Directory;
  /** The approvers' console (REINS_CONSOLE_URL): notifications link to a request there; no link when unset. */
  consoleUrl?: string;
}

type StorageDeps = Pick<
  ActivityDeps,
  'dataDir' | 'sandbox' | 'workspaceRetention' | 'runState' | 'snapshotMaxBytes' | 'payloadRetention'
>;

/** The workspace store activities use, also for the worker's start-up sweep. */
export function createWorkspaceStore(deps: StorageDeps) {
  const sandbox = deps.sandbox ?? DEFAULT_SANDBOX_SETTINGS;
  const state: RunStateStore = deps.runState ?? new FilesystemRunStateStore(deps.dataDir, new RecordSeal(undefined));
  const snapshots = state.snapshots;
  return new WorkspaceStore(deps.dataDir, {
    state,
    retention: deps.workspaceRetention,
    ...(deps.payloadRetention ? { payloadRetention: deps.payloadRetention } : {}),
    sandboxUser: sandbox.runAs,
    ...(snapshots
      ? {
          sync: new SnapshotWorkspaceSync(
            snapshots,
            path.join(deps.dataDir, 'workspace-sync'),
            deps.snapshotMaxBytes ?? DEFAULT_SNAPSHOT_MAX_BYTES,
          ),
        }
      : {}),
  });
}

/** Every activity a reins worker registers, built from real dependencies. */
export function createActivities(deps: ActivityDeps) {
  const sandbox = createSandbox(deps.sandbox ?? DEFAULT_SANDBOX_SETTINGS);
  const secrets = deps.secrets ?? new SecretResolver([envSecretSource()]);
  const registry = new ToolRegistry([...builtInTools(sandbox, secrets), ...(deps.extraTools ?? [])]);
  const workspaces = createWorkspaceStore(deps);
  // Nothing leaves an activity, into history or on to the model, with a secret value in it.
  return scrubActivityResults(
    {
      ...createModelActivities({ heartbeatIntervalMs: deps.heartbeatIntervalMs, ...deps.model }),
      ...createSpendActivities(),
      ...createPolicyActivities(deps.policy),
      ...createDirectoryActivities(deps.directory),
      ...createCredentialActivities(deps.policy),
      ...createNotifyActivities({ secrets, ...(deps.consoleUrl ? { consoleUrl: deps.consoleUrl } : {}) }),
      ...createMcpActivities({
        secrets,
        pool: deps.mcpPool,
        heartbeatIntervalMs: deps.heartbeatIntervalMs,
        ledger: workspaces.state.ledger,
      }),
      ...createToolActivities({
        registry,
        workspaces,
        heartbeatIntervalMs: deps.heartbeatIntervalMs,
        scrubber: () => secrets.scrubber(),
      }),
    },
    () => secrets.scrubber(),
  );
}

export type ReinsActivities = ReturnType<typeof createActivities>;
export { BUILT_IN_TOOLS } from './tools/registry';
export { closeAllMcpPools, McpPool } from './mcp';
export { sandboxSettings, type SandboxLimits, type SandboxMode, type SandboxSettings } from './sandbox/settings';
export { WorkspaceRetentionSchema, type WorkspaceRetention } from './sandbox/workspace-retention';
export { createRunStateStore } from './store/create-run-state-store';
export type { RunStateStore } from './store/run-state-store';
export { PolicySource } from './policy/policy-source';
export { DirectoryInvalidError, RolesFileDirectory, type Directory } from './identity/directory';
