import { cutMiddle } from '../../common/text';
import type { ToolImplementation } from '../../common/tools/define-tool';
import { describeZodIssues } from '../../common/zod-issues';

/** A refusal names every bad field; past this the spec's own keys (which may be huge) are cut from the middle. */
const MAX_MESSAGE_CHARS = 2_000;

export type ParsedToolConfig = { ok: true; config: unknown } | { ok: false; message: string };

/**
 * The spec's `config:` for a tool, through the tool's `configSchema` when it has one; a tool without one gets the
 * object as written. The spec is outside input and the schema is the tool author's code: neither may crash the
 * worker, so a schema that throws (an async refinement, a transform that fails, a value too deep) is a refusal too.
 */
export async function parseToolConfig(tool: ToolImplementation, raw: unknown): Promise<ParsedToolConfig> {
  if (!tool.configSchema) return { ok: true, config: raw };
  try {
    const parsed = await tool.configSchema.safeParseAsync(raw);
    if (parsed.success) return { ok: true, config: parsed.data };
    const what = raw === undefined ? 'config is missing' : 'config is invalid';
    return refusal(`tool "${tool.name}": ${what}: ${describeZodIssues(parsed.error, 'config')}`);
  } catch (error) {
    return refusal(
      `tool "${tool.name}": config could not be checked: ${error instanceof Error ? error.message : 'the schema threw'}`,
    );
  }
}

const refusal = (message: string): ParsedToolConfig => ({ ok: false, message: cutMiddle(message, MAX_MESSAGE_CHARS) });

/**
 * Run start: every configured worker tool's config checked against its schema, one message per tool that fails.
 * `configs` lists the spec's worker tools with their config (absent: none given); tools it does not list are left
 * for the call, which checks again.
 */
export async function checkToolConfigs(
  tools: ReadonlyArray<ToolImplementation | undefined>,
  configs: ReadonlyArray<{ name: string; config?: unknown }>,
): Promise<string[]> {
  const problems: string[] = [];
  for (const tool of tools) {
    if (!tool?.configSchema) continue;
    const entry = configs.find((candidate) => candidate.name === tool.name);
    if (!entry) continue;
    const parsed = await parseToolConfig(tool, entry.config);
    if (!parsed.ok) problems.push(parsed.message);
  }
  return problems;
}
