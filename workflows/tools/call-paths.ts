import { isCancellation, proxyLocalActivities } from '@temporalio/workflow';
import type { ReinsActivities } from '../../activities';
import type { AgentTool, ToolClass } from '../../common/agent-spec';
import type { ToolCallRequest, ToolDefinition } from '../../common/chat';
import type { RunState } from '../../common/run-state';
import { PATHS_ACTIVITY_OPTIONS } from '../activity-options';
import { prepareCall, type ToolCatalog } from './prepare-call';
import { pathArgsOf } from '../../common/policy/workspace-paths';

const { resolveToolPaths } = proxyLocalActivities<ReinsActivities>(PATHS_ACTIVITY_OPTIONS);

/** Runs recorded before paths were resolved on the worker replay with the lexical check alone. */
export const RESOLVE_PATHS_PATCH = 'reins-resolve-tool-paths';

/** Whether the spec's approval conditions for this tool test one of its workspace path arguments. */
export function conditionsOnPaths(definition: ToolDefinition, tool: AgentTool | undefined): boolean {
  const approval = tool?.approval;
  if (typeof approval !== 'object') return false;
  return approval.when.some((condition) => definition.pathArgs?.includes(condition.arg) === true);
}

/**
 * Where the workspace paths of a turn's calls lead, by call index, asked of the worker (a local activity, so the answer
 * is in history): the file tools follow symlinks, which code run earlier may have planted, so the raw string is not
 * enough. Asked for calls whose approval conditions test a path, and for calls that wait for a person, who then sees
 * the target. A call whose paths cannot be resolved gets nulls, which makes its path conditions hold.
 */
export async function resolveCallPaths(
  requests: ToolCallRequest[],
  catalog: ToolCatalog,
  perCall: ReadonlyMap<number, ToolClass>,
  state: Pick<RunState, 'agent' | 'workspace'>,
): Promise<Map<number, Array<string | null>>> {
  const wanted = new Map<number, string[]>();
  // Paths are resolved before any call of the turn runs. A call before this one that could plant a symlink (code, or
  // any tool that is not a file tool and not a read) makes a later resolution stale, so those fail closed.
  const stale = new Set<number>();
  let linksMayChange = false;
  requests.forEach((request, index) => {
    const definition = catalog.definitions.get(request.name);
    if (linksMayChange) stale.add(index);
    const callClass = perCall.get(index) ?? definition?.class ?? 'destructive';
    if (!definition?.pathArgs?.length && callClass !== 'read') linksMayChange = true;
    if (!definition?.pathArgs?.length) return;
    const args = catalog.validator.checkRaw(request.name, request.arguments);
    if (!args.ok) return;
    const paths = pathArgsOf(definition, args.args).map((p) => p.requested);
    if (paths.length === 0) return;
    const tool = catalog.agentTools.get(request.name);
    const waits = prepareCall(request, '', catalog, perCall.get(index)).approvalRule !== undefined;
    if (conditionsOnPaths(definition, tool) || waits) wanted.set(index, paths);
  });
  const resolved = new Map<number, Array<string | null>>();
  if (wanted.size === 0 || !catalog.patches.has(RESOLVE_PATHS_PATCH)) return resolved;
  await Promise.all(
    [...wanted].map(async ([index, paths]) => {
      if (stale.has(index))
        return resolved.set(
          index,
          paths.map(() => null),
        );
      try {
        resolved.set(index, await resolveToolPaths({ paths, workspace: state.workspace, agent: state.agent }));
      } catch (error) {
        if (isCancellation(error)) throw error;
        resolved.set(
          index,
          paths.map(() => null),
        );
      }
    }),
  );
  return resolved;
}
