import type { CallToolResult, ContentBlock } from '@modelcontextprotocol/sdk/types.js';
import type { ToolOutcome } from '../../common/chat';
import { limitOutput } from '../tools/output-limit';
import { ErrorType } from '../../common/errors';

/** Decoded size of base64 data, without decoding it. */
function base64Bytes(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((data.length * 3) / 4) - padding);
}

const bytes = (n: number) => `${n.toLocaleString('en-US')} bytes`;

/** Text for the model: text as is, everything else as a one-line summary (the model cannot see binary data). */
function describeBlock(block: ContentBlock): { text: string; isText: boolean } {
  switch (block.type) {
    case 'text':
      return { text: block.text, isText: true };
    case 'image':
    case 'audio':
      return { text: `[${block.type} ${block.mimeType}, ${bytes(base64Bytes(block.data))}]`, isText: false };
    case 'resource_link':
      return { text: `[resource link ${block.uri}${block.name ? ` (${block.name})` : ''}]`, isText: false };
    case 'resource': {
      const resource = block.resource;
      if ('text' in resource && typeof resource.text === 'string') {
        return { text: `[resource ${resource.uri}]\n${resource.text}`, isText: true };
      }
      const size =
        'blob' in resource && typeof resource.blob === 'string' ? `, ${bytes(base64Bytes(resource.blob))}` : '';
      return {
        text: `[resource ${resource.uri}${resource.mimeType ? ` ${resource.mimeType}` : ''}${size}]`,
        isText: false,
      };
    }
    default:
      return { text: `[${(block as { type?: string }).type ?? 'unknown'} content]`, isText: false };
  }
}

/**
 * What the model reads from a tools/call result: text blocks joined, other blocks summarised, the structured result
 * as JSON when there is no text, capped at `maxChars`. A result flagged `isError` is a tool error for the model.
 */
export function toolOutcomeOf(result: CallToolResult, maxChars: number, scrub: (text: string) => string): ToolOutcome {
  const blocks = (result.content ?? []).map(describeBlock);
  let text = blocks.map((block) => block.text).join('\n');
  if (!blocks.some((block) => block.isText) && result.structuredContent !== undefined) {
    const structured = JSON.stringify(result.structuredContent);
    text = text ? `${text}\n${structured}` : structured;
  }
  if (text === '') text = result.isError ? 'the tool reported an error without a message' : '(no output)';
  const output = limitOutput(scrub(text), maxChars);
  return result.isError ? { ok: false, error: { type: ErrorType.ToolError, message: output } } : { ok: true, output };
}
