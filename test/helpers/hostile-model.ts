import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { defineTool } from '../../common/tools/define-tool';
import type { ReinsClient } from '../../client';
import type { RunResult } from '../../common/run-state';
import type { ChatRequestBody, ScriptTurn } from '../../testing/scripted-model';

/** A worker tool whose output has exactly the size asked for: text of short distinct words, about 2 chars a token. */
export const sizedOutput = defineTool({
  name: 'sized_output',
  description: 'Returns text of the given length.',
  class: 'read',
  schema: z.object({ size: z.number().int().min(0).max(100_000) }),
  execute: async ({ size }) => {
    let text = '';
    for (let i = 0; text.length < size; i += 1) text += `w${i % 997} `;
    return text.slice(0, size);
  },
});

export const isSummaryRequest = (request: ChatRequestBody): boolean =>
  String(request.messages[0]?.content ?? '').startsWith('You compress an agent conversation');

/**
 * A chat completion whose tool calls are sent exactly as given, any JSON value in any field: the way to hand the
 * openai SDK what a broken or hostile provider might (arguments that are not strings, numeric ids, null names).
 * Served as a 200 "fault" on every attempt, so the scripted server's own encoding is bypassed.
 */
export function rawToolCallTurn(calls: Array<{ id?: unknown; name?: unknown; arguments?: unknown }>): ScriptTurn {
  const body = {
    id: 'chatcmpl-raw',
    object: 'chat.completion',
    created: 0,
    model: 'scripted-1',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          tool_calls: calls.map((call) => ({
            id: call.id,
            type: 'function',
            function: { name: call.name, arguments: call.arguments },
          })),
        },
        finish_reason: 'tool_calls',
      },
    ],
    usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
  };
  // Enough faults for any retry: each attempt gets the same raw body.
  return { reply: { content: 'unused' }, faults: Array.from({ length: 20 }, () => ({ status: 200, body })) };
}

/** The run's end, or an error naming what it was doing, so a stuck run fails the test instead of hanging it. */
export async function resultWithin(reins: ReinsClient, runId: string, ms: number): Promise<RunResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reins.getState(runId).then(
        (state) => reject(new Error(`run ${runId} did not end in ${ms} ms: ${JSON.stringify(state).slice(0, 2000)}`)),
        (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))),
      );
    }, ms);
  });
  try {
    return await Promise.race([reins.result(runId), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Workflow task failures across every execution of a run (continue-as-new included): each is a crash of the loop. */
export async function workflowTaskFailures(temporalClient: Client, runId: string): Promise<string[]> {
  const failures: string[] = [];
  for await (const execution of temporalClient.workflow.list({ query: `WorkflowId = '${runId}'` })) {
    const history = await temporalClient.workflow.getHandle(runId, execution.runId).fetchHistory();
    for (const event of history.events ?? []) {
      if (event.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) {
        failures.push(event.workflowTaskFailedEventAttributes?.failure?.message ?? 'workflow task failed');
      }
    }
  }
  return failures;
}
