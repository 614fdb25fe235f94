import type { ChatMessage } from '../../common/chat';

export const SUMMARY_INSTRUCTIONS = [
  'You compress an agent conversation so the agent can continue its task with less context.',
  'Write a factual summary of the conversation below: the goal, what has been done (tool calls and their results that',
  'still matter, with exact names, paths, ids and numbers), decisions made, and what remains open.',
  'Do not invent anything. Do not address the user. Plain text, at most a few hundred words.',
].join(' ');

/** The stretch as a plain transcript: one block per message, tool calls with their arguments. */
export function renderForSummary(messages: ChatMessage[]): string {
  return messages
    .map((message) => {
      switch (message.role) {
        case 'assistant': {
          const calls = (message.toolCalls ?? []).map((call) => `  -> ${call.name}(${call.arguments})`).join('\n');
          return `[assistant]\n${message.content ?? ''}${calls ? `\n${calls}` : ''}`;
        }
        case 'tool':
          return `[tool result ${message.toolCallId}]\n${message.content}`;
        default:
          return `[${message.role}]\n${message.content}`;
      }
    })
    .join('\n\n');
}
