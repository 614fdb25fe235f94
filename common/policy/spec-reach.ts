import type { AgentSpec } from '../agent-spec';
import { mcpPolicyName, type McpServerSpec } from '../mcp-server';
import { DEFAULT_PROVIDER, DEFAULT_PROVIDER_ALIASES } from '../providers';

/** `openai` names the worker's own provider too; rules match it as `default`. */
const providerOf = (name: string) => (DEFAULT_PROVIDER_ALIASES.includes(name) ? DEFAULT_PROVIDER : name);

/** What platform rules match an MCP server by: where it really is, not the name a spec gives it. */
export function mcpServerAddress(server: McpServerSpec): string {
  return server.transport === 'http' ? server.url : [server.command, ...server.args].join(' ');
}

/** A spec's tool entry as policy names it: `server__tool` entries of the spec's MCP servers become `server.tool`. */
export function policyNameOfSpecTool(spec: AgentSpec, name: string): string {
  for (const server of spec.mcpServers) {
    const prefix = `${server.name}__`;
    if (name.startsWith(prefix)) return mcpPolicyName(server.name, name.slice(prefix.length));
  }
  return name;
}

/** Every `provider/model` a run of the spec may call, with the spec field that names it. */
export function modelsOfSpec(spec: AgentSpec): Array<{ model: string; field: string }> {
  const found: Array<{ model: string; field: string }> = [];
  const summaryModel = spec.context.summaryModel;
  const routing = spec.models;
  if (!routing) {
    found.push({ model: `${DEFAULT_PROVIDER}/${spec.model.name}`, field: 'spec.model.name' });
    if (summaryModel) found.push({ model: `${DEFAULT_PROVIDER}/${summaryModel}`, field: 'spec.context.summaryModel' });
    return found;
  }
  routing.candidates.forEach((c, i) =>
    found.push({ model: `${providerOf(c.provider)}/${c.model}`, field: `spec.models.candidates.${i}` }),
  );
  const summary = routing.purposes.summary;
  if (summary) {
    summary.candidates.forEach((c, i) =>
      found.push({
        model: `${providerOf(c.provider)}/${c.model}`,
        field: `spec.models.purposes.summary.candidates.${i}`,
      }),
    );
  } else if (summaryModel) {
    const primary = routing.candidates[0]!;
    found.push({ model: `${providerOf(primary.provider)}/${summaryModel}`, field: 'spec.context.summaryModel' });
  }
  return found;
}
