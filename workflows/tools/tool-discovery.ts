import { proxyActivities } from '@temporalio/workflow';
import type { ReinsActivities } from '../../activities';
import type { AgentSpec } from '../../common/agent-spec';
import type { ToolDefinition } from '../../common/chat';
import { MCP_ACTIVITY_OPTIONS, SETUP_ACTIVITY_OPTIONS } from '../activity-options';

const { describeTools } = proxyActivities<ReinsActivities>(SETUP_ACTIVITY_OPTIONS);
const { listMcpTools } = proxyActivities<ReinsActivities>(MCP_ACTIVITY_OPTIONS);

/** Spec entries named `server__tool` configure an MCP tool; everything else is a tool registered on the worker. */
export function workerToolNames(spec: AgentSpec): string[] {
  const servers = spec.mcpServers.map((server) => `${server.name}__`);
  return spec.tools.map((tool) => tool.name).filter((name) => !servers.some((prefix) => name.startsWith(prefix)));
}

/**
 * Every tool the agent could reach, as recorded in history at run start: the worker's tools by name and the tools its
 * MCP servers list. Replays read these results back, so a server changing its tools later cannot change a run.
 */
export async function discoverTools(spec: AgentSpec, userId?: string): Promise<ToolDefinition[]> {
  const names = workerToolNames(spec);
  // Each worker tool's config goes along, so the worker checks it against the tool's configSchema before the run starts.
  const configs = spec.tools
    .filter((tool) => names.includes(tool.name))
    .map((tool) => ({ name: tool.name, ...(tool.config !== undefined ? { config: tool.config } : {}) }));
  // Servers are asked in parallel: a run waits for the slowest, not for their sum.
  const [worker, ...servers] = await Promise.all([
    names.length > 0 ? describeTools({ names, configs }) : Promise.resolve([]),
    ...spec.mcpServers.map((server) =>
      listMcpTools.executeWithOptions({ ...MCP_ACTIVITY_OPTIONS, summary: `mcp ${server.name} · list tools` }, [
        { server, ...(userId !== undefined ? { userId } : {}) },
      ]),
    ),
  ]);
  return [...(worker ?? []), ...servers.flat()];
}
