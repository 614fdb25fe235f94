import { createModelActivities, type ModelActivityDeps } from './model';
import { createToolActivities } from './tool-activities';
import type { ToolImplementation } from './tools/tool';
import { BUILT_IN_TOOLS, ToolRegistry } from './tools/registry';

export interface ActivityDeps {
  model: ModelActivityDeps;
  /** Where run workspaces and call ledgers live. */
  dataDir: string;
  /** Tools beyond the built-ins, e.g. an organisation's own integrations. */
  extraTools?: ToolImplementation[];
  heartbeatIntervalMs?: number;
}

/** Every activity a reins worker registers, built from real dependencies. */
export function createActivities(deps: ActivityDeps) {
  const registry = new ToolRegistry([...BUILT_IN_TOOLS, ...(deps.extraTools ?? [])]);
  return {
    ...createModelActivities({ heartbeatIntervalMs: deps.heartbeatIntervalMs, ...deps.model }),
    ...createToolActivities({ registry, dataDir: deps.dataDir, heartbeatIntervalMs: deps.heartbeatIntervalMs }),
  };
}

export type ReinsActivities = ReturnType<typeof createActivities>;
export { ToolError, defineTool, type ToolContext, type ToolImplementation } from './tools/tool';
export { BUILT_IN_TOOLS } from './tools/registry';
