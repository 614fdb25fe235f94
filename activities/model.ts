import { ApplicationFailure, Context } from '@temporalio/activity';
import type OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { ChatMessage, ModelCallInput, ModelTurn, ToolDefinition } from '../common/chat';
import { ErrorType } from '../common/errors';
import { toModelFailure } from './model-errors';

export interface ModelActivityDeps {
  /** An SDK client built with `maxRetries: 0`: Temporal owns the retries. */
  openai: OpenAI;
  /** A label for the provider, shown in summaries, state and traces. */
  provider: string;
  /** How often to heartbeat while the provider thinks. */
  heartbeatIntervalMs?: number;
}

export function toProviderMessages(messages: ChatMessage[]): ChatCompletionMessageParam[] {
  return messages.map((message): ChatCompletionMessageParam => {
    switch (message.role) {
      case 'system':
      case 'user':
        return { role: message.role, content: message.content };
      case 'tool':
        return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
      case 'assistant':
        return {
          role: 'assistant',
          content: message.content,
          ...(message.toolCalls?.length
            ? {
                tool_calls: message.toolCalls.map((call) => ({
                  id: call.id,
                  type: 'function' as const,
                  function: { name: call.name, arguments: call.arguments },
                })),
              }
            : {}),
        };
    }
  });
}

export function toProviderTools(tools: ToolDefinition[]): ChatCompletionTool[] {
  return tools.map((tool) => ({
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  }));
}

function toModelTurn(completion: ChatCompletion, provider: string, latencyMs: number): ModelTurn {
  const choice = completion.choices?.[0];
  if (!choice?.message) {
    throw ApplicationFailure.retryable(
      `${provider} returned a completion without choices`,
      ErrorType.ModelResponseInvalid,
    );
  }
  const toolCalls = (choice.message.tool_calls ?? []).flatMap((call) =>
    call.type === 'function' ? [{ id: call.id, name: call.function.name, arguments: call.function.arguments }] : [],
  );
  return {
    content: choice.message.content ?? null,
    toolCalls,
    finishReason: choice.finish_reason ?? 'stop',
    usage: {
      inputTokens: completion.usage?.prompt_tokens ?? 0,
      outputTokens: completion.usage?.completion_tokens ?? 0,
      cachedInputTokens: completion.usage?.prompt_tokens_details?.cached_tokens ?? 0,
    },
    model: completion.model,
    provider,
    responseId: completion.id,
    latencyMs,
  };
}

export function createModelActivities(deps: ModelActivityDeps) {
  const heartbeatIntervalMs = deps.heartbeatIntervalMs ?? 5_000;

  return {
    /** One chat completion. Heartbeats while waiting so a dead worker is noticed long before the timeout. */
    async callModel(input: ModelCallInput): Promise<ModelTurn> {
      const context = Context.current();
      const started = Date.now();
      const beat = setInterval(() => context.heartbeat({ waitingMs: Date.now() - started }), heartbeatIntervalMs);
      try {
        const completion = await deps.openai.chat.completions.create(
          {
            model: input.model,
            messages: toProviderMessages(input.messages),
            ...(input.tools.length ? { tools: toProviderTools(input.tools) } : {}),
            ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
            ...(input.maxOutputTokens !== undefined ? { max_tokens: input.maxOutputTokens } : {}),
          },
          { signal: context.cancellationSignal },
        );
        return toModelTurn(completion, deps.provider, Date.now() - started);
      } catch (error) {
        if (error instanceof ApplicationFailure) throw error;
        throw toModelFailure(error, { provider: deps.provider, model: input.model });
      } finally {
        clearInterval(beat);
      }
    },
  };
}

export type ModelActivities = ReturnType<typeof createModelActivities>;
