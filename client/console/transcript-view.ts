import type { ChatMessage } from '../../common/chat';
import { transcriptQuery } from '../../common/messages';
import type { ReinsClient } from '../reins-client';
import { bounded, boundedJson, html, type SafeHtml } from './html';

/** The newest messages a run page shows; older ones are counted, and `reins audit` has them all. */
const MESSAGES_SHOWN = 200;
const MESSAGE_MAX_CHARS = 4_000;

export type TranscriptRead = { messages: ChatMessage[] } | { unavailable: string };

/** A running run answers the transcript query; an ended one has its transcript in its result. */
export async function readTranscript(reins: ReinsClient, runId: string, running: boolean): Promise<TranscriptRead> {
  try {
    const messages = running
      ? await reins.temporal.workflow.getHandle(runId).query(transcriptQuery)
      : (await reins.result(runId)).transcript;
    return { messages: Array.isArray(messages) ? messages : [] };
  } catch (error) {
    return { unavailable: error instanceof Error ? error.message : String(error) };
  }
}

function messageBody(message: ChatMessage): SafeHtml {
  const content = typeof message.content === 'string' ? message.content : '';
  const calls = message.role === 'assistant' ? (message.toolCalls ?? []) : [];
  return html`${content ? html`<pre>${bounded(content, MESSAGE_MAX_CHARS)}</pre>` : ''}${calls.map(
    (call) =>
      html`<div class="tool-call">
        calls ${bounded(call.name)}
        <pre>${boundedJson(call.arguments, MESSAGE_MAX_CHARS)}</pre>
      </div>`,
  )}`;
}

/** The conversation as the model saw it, newest last; everything in it is the run's text, shown as text. */
export function transcriptSection(read: TranscriptRead): SafeHtml {
  if ('unavailable' in read) {
    return html`<h2>Transcript</h2>
      <p class="transcript-unavailable">The transcript could not be read: ${bounded(read.unavailable, 500)}</p>`;
  }
  const shown = read.messages.slice(-MESSAGES_SHOWN);
  const older = read.messages.length - shown.length;
  return html`<h2>Transcript</h2>
    ${older > 0 ? html`<p>${older} older messages are not shown; <code>reins audit</code> has them.</p>` : ''}
    <ol class="transcript">
      ${shown.map(
        (message) =>
          html`<li class="message ${message.role}">
            <span class="role">${message.role}</span>
            ${messageBody(message)}
          </li>`,
      )}
    </ol>`;
}
