import type { ChatMessage, ToolDefinition } from '../../common/chat';
import { textOf } from '../../common/text';
import { messageChars } from '../model/compaction';

/**
 * A deliberately high estimate of a prompt's tokens (2 characters per token, plus framing), so that reservations
 * cover what the call will really cost and the cap holds across concurrent runs.
 */
export function estimatePromptTokens(messages: ChatMessage[], tools: ToolDefinition[]): number {
  let chars = textOf(tools).length;
  for (const message of Array.isArray(messages) ? messages : []) chars += messageChars(message) + 16;
  return Math.ceil(chars / 2) + 64;
}
