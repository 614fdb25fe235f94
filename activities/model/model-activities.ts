import { ApplicationFailure, Context } from '@temporalio/activity';
import { APIError, type OpenAI } from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type {
  ChatMessage,
  ModelCallInput,
  ModelTurn,
  SummaryRequest,
  SummaryResult,
  ToolDefinition,
} from '../../common/chat';
import { readCompletion, readSummaryCompletion } from './model-response';
import type { ConversationStore } from './conversation-store';
import { renderForSummary, SUMMARY_INSTRUCTIONS } from './summary-prompt';
import { countMessageTokens, countTextTokens, countToolTokens } from './tokenizer';
import { ErrorType } from '../../common/errors';
import { toModelFailure } from './model-errors';
import { createProviderHealthActivities } from './provider-health-store';
import { ProviderRegistry, type ProviderClient } from './provider-registry';
import { SecretResolver } from '../secrets/secret-resolver';

/** The workflow a call belongs to: the store keeps its conversations under it, so they expire with the run. */
function runOf(context: Context): string {
  return context.info.workflowExecution?.workflowId ?? context.info.activityId;
}

export interface ModelActivityDeps {
  /** An SDK client built with `maxRetries: 0`: Temporal owns the retries. */
  openai: OpenAI;
  /** Where conversations are kept between calls. */
  conversations: ConversationStore;
  /** A label for the provider, shown in summaries, state and traces. */
  provider: string;
  /** How often to heartbeat while the provider thinks. */
  heartbeatIntervalMs?: number;
  /** Further providers by name (REINS_PROVIDERS_FILE); a call that names none uses `openai` above. */
  providers?: ProviderRegistry;
}

/** A call routed to a named provider; without one, the worker's default client answers. */
export type RoutedModelCallInput = ModelCallInput & { provider?: string };
export type RoutedSummaryRequest = SummaryRequest & { provider?: string };

const CONTEXT_LENGTH = /context[ _-]?(length|window)|maximum context|too many tokens|prompt is too long/i;

/** A provider's 400 that says the prompt is too long for the model; the workflow then tries a larger window. */
export function contextLengthFailure(error: unknown, where: string): ApplicationFailure | undefined {
  if (!(error instanceof APIError) || error.status !== 400) return undefined;
  const code = typeof error.code === 'string' ? error.code : '';
  if (!CONTEXT_LENGTH.test(code) && !CONTEXT_LENGTH.test(error.message)) return undefined;
  return ApplicationFailure.create({
    type: ErrorType.ContextOverflow,
    message: `${where} refused the prompt as too long: ${error.message}`,
    nonRetryable: true,
    details: [{ status: 400, code: code || null, reportedBy: 'provider' }],
  });
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

export function createModelActivities(deps: ModelActivityDeps) {
  const heartbeatIntervalMs = deps.heartbeatIntervalMs ?? 5_000;
  const own: ProviderClient = { openai: deps.openai, label: deps.provider };
  const providers =
    deps.providers ??
    new ProviderRegistry({ providers: [], defaultClient: own, secrets: new SecretResolver([]), taskQueue: '' });
  const pick = (provider: string | undefined): ProviderClient =>
    provider === undefined ? own : providers.client(provider);

  return {
    /** One chat completion. Heartbeats while waiting so a dead worker is noticed long before the timeout. */
    async callModel(input: RoutedModelCallInput): Promise<ModelTurn> {
      const context = Context.current();
      const { openai, label } = pick(input.provider);
      const { messages, tools } = await deps.conversations.assemble(input.conversation, runOf(context));
      const newMessageTokens = input.conversation.messages.map(countMessageTokens);
      // The workflow knows the counts of what it sent before; recounting them every call would grow with the run.
      const earlierTokens =
        input.earlierTokens ??
        messages.slice(0, input.conversation.from).reduce((sum, m) => sum + countMessageTokens(m), 0);
      const promptTokens = earlierTokens + newMessageTokens.reduce((a, b) => a + b, 0) + countToolTokens(tools);
      if (input.maxPromptTokens !== undefined && promptTokens > input.maxPromptTokens) {
        throw ApplicationFailure.create({
          type: ErrorType.ContextOverflow,
          message: `prompt of ${promptTokens} tokens exceeds the ${input.maxPromptTokens} the context window leaves`,
          nonRetryable: true,
          details: [{ promptTokens, newMessageTokens }],
        });
      }
      const started = Date.now();
      const beat = setInterval(() => context.heartbeat({ waitingMs: Date.now() - started }), heartbeatIntervalMs);
      try {
        const completion = await openai.chat.completions.create(
          {
            model: input.model,
            messages: toProviderMessages(messages),
            ...(tools.length ? { tools: toProviderTools(tools) } : {}),
            ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
            ...(input.maxOutputTokens !== undefined ? { max_tokens: input.maxOutputTokens } : {}),
          },
          { signal: context.cancellationSignal },
        );
        const latencyMs = Date.now() - started;
        const { warnings, ...turn } = readCompletion(completion, { provider: label, model: input.model, promptTokens });
        return {
          ...turn,
          provider: label,
          latencyMs,
          newMessageTokens,
          promptTokens,
          ...(warnings.length > 0 ? { warnings } : {}),
        };
      } catch (error) {
        if (error instanceof ApplicationFailure) throw error;
        throw (
          contextLengthFailure(error, `${label} model ${input.model}`) ??
          toModelFailure(error, { provider: label, model: input.model })
        );
      } finally {
        clearInterval(beat);
      }
    },

    /**
     * Summarises a stretch of the conversation so the run can drop it from the prompt. The messages come from the
     * conversation store by range, so the summary request adds no transcript to history either.
     */
    async summarizeConversation(input: RoutedSummaryRequest): Promise<SummaryResult> {
      const context = Context.current();
      const { openai, label } = pick(input.provider);
      const { messages } = await deps.conversations.assemble(
        input.conversation ?? { id: input.conversationId, from: input.upTo, messages: [] },
        runOf(context),
      );
      const stretch = messages.slice(input.start, input.upTo);
      const started = Date.now();
      try {
        const completion = await openai.chat.completions.create(
          {
            model: input.model,
            messages: [
              { role: 'system', content: SUMMARY_INSTRUCTIONS },
              { role: 'user', content: renderForSummary(stretch) },
            ],
            max_tokens: input.maxOutputTokens,
          },
          { signal: context.cancellationSignal },
        );
        const replacedTokens = stretch.reduce((sum, m) => sum + countMessageTokens(m), 0);
        const read = readSummaryCompletion(completion, {
          provider: label,
          model: input.model,
          promptTokens: replacedTokens + countTextTokens(SUMMARY_INSTRUCTIONS),
        });
        if (!read.summary) {
          throw ApplicationFailure.retryable(`${label} returned an empty summary`, ErrorType.ModelResponseInvalid);
        }
        return {
          summary: read.summary,
          summaryTokens: countTextTokens(read.summary),
          replacedTokens,
          usage: read.usage,
          model: read.model,
          provider: label,
          latencyMs: Date.now() - started,
          ...(read.warnings.length > 0 ? { warnings: read.warnings } : {}),
        };
      } catch (error) {
        if (error instanceof ApplicationFailure) throw error;
        throw toModelFailure(error, { provider: label, model: input.model });
      }
    },
    ...createProviderHealthActivities(providers),
  };
}

export type ModelActivities = ReturnType<typeof createModelActivities>;
