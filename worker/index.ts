// `reins/worker`: what runs on a worker. The plugin for a worker you build, the batteries-included worker, its
// settings, and what an organisation's own tools and directory implement.
export { ReinsPlugin, type ReinsPluginOptions } from './reins-plugin';
export type { ReinsPluginConfig } from './reins-setup';
export { createReinsWorker, type ReinsWorkerOptions } from './create-worker';
export { loadWorkerConfig, loadProvidersFile, NO_MODEL_KEY, type WorkerConfig } from './config';
export { WorkerConfigError } from '../common/worker-config-error';
export { REINS_BUNDLE_OPTIONS, PAYLOAD_GUARD_WORKFLOW_MODULE } from './bundle-options';
export { REINS_WORKFLOWS_PATH, REINS_WORKFLOW_NAMES, withReinsWorkflows } from './workflow-entry';
export {
  createTelemetry,
  telemetryFromEnv,
  TELEMETRY_WORKFLOW_MODULE,
  type TelemetryOptions,
  type WorkerTelemetry,
} from './tracing';
export { installWorkerLogging, workerLogLevel } from './logging';
export {
  BUILT_IN_TOOLS,
  DirectoryInvalidError,
  RolesFileDirectory,
  sandboxSettings,
  WorkspaceRetentionSchema,
  type Directory,
  type SandboxLimits,
  type SandboxMode,
  type SandboxSettings,
  type WorkspaceRetention,
} from '../activities';
export * from '../common/tools/define-tool';
