import type { ChatRequestBody, ScriptTurn } from '../../testing/scripted-model';

/** Files the demo puts in the run's workspace before it starts. */
export const DEMO_FILES: Readonly<Record<string, string>> = {
  'notes.txt': [
    'Team sync, Tuesday',
    '- The release moves to Friday: the migration needs one more review.',
    '- Dana takes over the on-call rota from next week.',
    '- Budget for the offsite is approved.',
    '',
  ].join('\n'),
  'scratch.tmp': 'temporary export, safe to remove\n',
};

export const DEMO_PROMPT =
  'Read notes.txt and write a short summary of it to summary.txt. Then delete scratch.tmp, which is no longer ' +
  'needed. Finish by telling me what you did.';

function toolCall(name: string, args: Record<string, unknown>, content?: string): ScriptTurn {
  return { reply: { ...(content ? { content } : {}), toolCalls: [{ name, arguments: args }] } };
}

/** What the last tool call returned, as the model received it. */
function lastToolResult(request: ChatRequestBody): string {
  const last = [...request.messages].reverse().find((message) => message.role === 'tool');
  return typeof last?.content === 'string' ? last.content : '';
}

function summarise(notes: string): string {
  const points = notes
    .split('\n')
    .filter((line) => line.startsWith('- '))
    .map((line) => line.slice(2).split(':')[0]!.replace(/\.$/, ''));
  return `Summary of notes.txt\n${points.map((point) => `* ${point}`).join('\n')}\n`;
}

/**
 * The offline model: looks around, reads, writes, asks to delete (which waits for a person), then answers according
 * to whether the deletion was approved. Turns follow the conversation, so a resumed run picks up where it was.
 */
export function demoScript(request: ChatRequestBody, turn: number): ScriptTurn {
  switch (turn) {
    case 0:
      return toolCall('list_files', { path: '.' }, 'First I will look at what is in the workspace.');
    case 1:
      return toolCall('read_file', { path: 'notes.txt' });
    case 2:
      return toolCall('write_file', { path: 'summary.txt', content: summarise(lastToolResult(request)) });
    case 3:
      return toolCall('delete_file', { path: 'scratch.tmp' });
    default: {
      const outcome = lastToolResult(request);
      const refused = /^Error \[[A-Za-z]+\]: (.*)$/s.exec(outcome);
      const deletion = refused
        ? `I did not delete scratch.tmp: ${refused[1]}. It is still there.`
        : 'I deleted scratch.tmp after it was approved.';
      return {
        reply: {
          content: `I read notes.txt and wrote a three-point summary to summary.txt. ${deletion}`,
        },
      };
    }
  }
}
