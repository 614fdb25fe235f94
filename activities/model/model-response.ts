import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import type { TokenUsage, ToolCallRequest } from '../../common/chat';
import { ErrorType } from '../../common/errors';
import { tokenCount } from '../../common/token-usage';
import { describeZodIssues } from '../../common/zod-issues';
import { countTextTokens } from './tokenizer';

/**
 * The provider's answer is outside input like any other: the SDK's types say what a completion should be, not what a
 * server sent. Everything read here leaves as the types the workflow relies on, or the completion is refused whole.
 */

/** More tool calls than this in one response is a runaway model or a hostile server; the rest are dropped, said so. */
export const MAX_TOOL_CALLS_PER_TURN = 128;
/** Ids, model names and finish reasons are labels; a longer one is cut. */
const MAX_LABEL_CHARS = 256;

const label = z
  .string()
  .transform((text) => text.slice(0, MAX_LABEL_CHARS))
  .optional()
  .catch(undefined);

/** Text, nothing, or text parts (some OpenAI-compatible servers answer in parts); anything else is unreadable. */
const ContentSchema = z
  .union([
    z.string(),
    z.null(),
    z.array(z.looseObject({ text: z.string() })).transform((parts) => parts.map((p) => p.text).join('')),
  ])
  .optional()
  .transform((content) => content ?? null);

const MessageSchema = z.looseObject({
  content: ContentSchema,
  tool_calls: z.array(z.unknown()).nullish(),
});

const ChoiceSchema = z.looseObject({ message: MessageSchema, finish_reason: label });

const UsageSchema = z
  .looseObject({
    prompt_tokens: z.unknown().optional(),
    completion_tokens: z.unknown().optional(),
    prompt_tokens_details: z.looseObject({ cached_tokens: z.unknown().optional() }).nullish().catch(undefined),
  })
  .nullish()
  .catch(undefined);

const CompletionSchema = z.looseObject({
  id: label,
  model: label,
  choices: z.array(z.unknown()).min(1, 'the completion has no choices'),
  usage: z.unknown().optional(),
});

const SummaryCompletionSchema = z.looseObject({
  model: label,
  choices: z.array(z.looseObject({ message: z.looseObject({ content: ContentSchema }) })).min(1),
  usage: z.unknown().optional(),
});

/** A string as is; any other value as its JSON text, so later code never meets a non-string. */
function asText(value: unknown, absent: string): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return absent;
  return JSON.stringify(value) ?? absent;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function unreadable(provider: string, what: string): ApplicationFailure {
  return ApplicationFailure.retryable(
    `${provider} returned a completion that cannot be read: ${what}`,
    ErrorType.ModelResponseInvalid,
  );
}

function parse<T>(schema: z.ZodType<T>, value: unknown, provider: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw unreadable(provider, describeZodIssues(parsed.error));
  return parsed.data;
}

/**
 * The tool calls as the workflow handles them: id, name and arguments are strings, whatever their JSON type was.
 * Calls of kinds other than `function` (none are offered) are left out, as the SDK's own handling would.
 */
function readToolCalls(raw: unknown[], provider: string, warnings: string[]): ToolCallRequest[] {
  const calls: ToolCallRequest[] = [];
  for (const item of raw) {
    const call = isRecord(item) ? item : {};
    if (call.type !== undefined && call.type !== 'function') continue;
    const fn = isRecord(call.function) ? call.function : {};
    calls.push({
      id: asText(call.id, '') || `call_${calls.length + 1}`,
      name: asText(fn.name, ''),
      arguments: asText(fn.arguments, '{}'),
    });
  }
  if (calls.length > MAX_TOOL_CALLS_PER_TURN) {
    warnings.push(
      `${provider} asked for ${calls.length} tool calls in one response; only the first ${MAX_TOOL_CALLS_PER_TURN} were kept`,
    );
    return calls.slice(0, MAX_TOOL_CALLS_PER_TURN);
  }
  return calls;
}

/**
 * The call's usage. A count the provider left out, or sent as something that is not a count (negative, not finite,
 * not a number), is replaced by the worker's own count of what it sent and received, never by zero: budgets and
 * spend caps keep counting with a provider that does not report, or reports nonsense.
 */
function readUsage(
  raw: unknown,
  provider: string,
  counted: { input: number; output: () => number },
  warnings: string[],
): TokenUsage {
  const usage = UsageSchema.parse(raw);
  const unread: string[] = [];
  const read = (value: unknown, field: string): number | undefined => {
    const count = tokenCount(value);
    if (count === undefined && value !== undefined && value !== null) unread.push(field);
    return count;
  };
  const inputTokens = read(usage?.prompt_tokens, 'prompt_tokens') ?? counted.input;
  const outputTokens = read(usage?.completion_tokens, 'completion_tokens') ?? counted.output();
  const cached = read(usage?.prompt_tokens_details?.cached_tokens, 'cached_tokens') ?? 0;
  if (unread.length > 0) {
    warnings.push(
      `${provider} reported token usage that is not a count (${unread.join(', ')}); the worker counted instead`,
    );
  }
  return { inputTokens, outputTokens, cachedInputTokens: Math.min(cached, inputTokens) };
}

export interface ReadCompletion {
  content: string | null;
  toolCalls: ToolCallRequest[];
  finishReason: string;
  usage: TokenUsage;
  model: string;
  responseId?: string;
  /** What was dropped or replaced on the way in, for the run's warnings. */
  warnings: string[];
}

/** A chat completion as the workflow may rely on it, or ModelResponseInvalid (retryable) when it cannot be read. */
export function readCompletion(
  raw: unknown,
  context: { provider: string; model: string; promptTokens: number },
): ReadCompletion {
  const { provider } = context;
  const completion = parse(CompletionSchema, raw, provider);
  const choice = parse(ChoiceSchema, completion.choices[0], provider);
  const warnings: string[] = [];
  const toolCalls = readToolCalls(choice.message.tool_calls ?? [], provider, warnings);
  const content = choice.message.content;
  const outputCount = () =>
    countTextTokens(content ?? '') + toolCalls.reduce((sum, c) => sum + countTextTokens(c.name + c.arguments), 0);
  return {
    content,
    toolCalls,
    finishReason: choice.finish_reason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
    usage: readUsage(completion.usage, provider, { input: context.promptTokens, output: outputCount }, warnings),
    model: completion.model ?? context.model,
    ...(completion.id !== undefined ? { responseId: completion.id } : {}),
    warnings,
  };
}

/** A summary completion: its trimmed text (empty when there is none), usage and model. */
export function readSummaryCompletion(
  raw: unknown,
  context: { provider: string; model: string; promptTokens: number },
): { summary: string; usage: TokenUsage; model: string; warnings: string[] } {
  const completion = parse(SummaryCompletionSchema, raw, context.provider);
  const summary = (completion.choices[0]?.message.content ?? '').trim();
  const warnings: string[] = [];
  const usage = readUsage(
    completion.usage,
    context.provider,
    { input: context.promptTokens, output: () => countTextTokens(summary) },
    warnings,
  );
  return { summary, usage, model: completion.model ?? context.model, warnings };
}
