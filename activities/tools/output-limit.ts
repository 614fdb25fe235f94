import { cutMiddle } from '../../common/text';

/** What an MCP tool result may cost the model's context: beyond this, the middle is cut out. */
export const MCP_OUTPUT_LIMIT = 16_000;
/** The same cap for the worker's own tools. */
export const TOOL_OUTPUT_LIMIT = 16_000;

/**
 * Caps a tool's output for the model. Keeps the head and the tail and says how much was left out, so the model knows
 * the output is partial. The result, marker included, is at most `maxChars` long.
 */
export function limitOutput(text: string, maxChars: number): string {
  return cutMiddle(text, maxChars);
}
