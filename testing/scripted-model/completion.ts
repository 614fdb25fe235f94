import type { ChatRequestBody, ScriptedReply, ScriptedToolCall } from './script';

export interface ChatCompletionToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatCompletionBody {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: {
    index: number;
    message: { role: 'assistant'; content: string | null; tool_calls?: ChatCompletionToolCall[] };
    finish_reason: 'stop' | 'tool_calls' | 'length';
  }[];
  usage: {
    prompt_tokens: number;
    completion_tokens: number;
    total_tokens: number;
    prompt_tokens_details: { cached_tokens: number };
  };
}

export interface OpenAiErrorBody {
  error: { message: string; type: string; code: string | null; param: null };
}

export function errorBody(
  message: string,
  type = 'invalid_request_error',
  code: string | null = null,
): OpenAiErrorBody {
  return { error: { message, type, code, param: null } };
}

/** The error a status fault sends when the script gives no body of its own. */
export function faultErrorBody(status: number): OpenAiErrorBody {
  const message = `scripted fault: HTTP ${status}`;
  if (status === 429) return errorBody(message, 'rate_limit_error', 'rate_limit_exceeded');
  if (status >= 500) return errorBody(message, 'server_error', `http_${status}`);
  return errorBody(message, 'invalid_request_error', `http_${status}`);
}

/** Turn = assistant messages so far, so the script advances with the conversation and needs no server state. */
export function turnOf(request: ChatRequestBody): number {
  return request.messages.filter((message) => message.role === 'assistant').length;
}

function encodeArguments(call: ScriptedToolCall): string {
  if (call.rawArguments !== undefined) return call.rawArguments;
  if (call.arguments === undefined) return '{}';
  if (typeof call.arguments === 'string') return call.arguments;
  return JSON.stringify(call.arguments);
}

// Text parts count; images and other non-text parts do not.
function contentChars(content: unknown): number {
  if (typeof content === 'string') return content.length;
  if (!Array.isArray(content)) return 0;
  let chars = 0;
  for (const part of content) {
    const text = (part as { text?: unknown } | null)?.text;
    if (typeof text === 'string') chars += text.length;
  }
  return chars;
}

function estimateTokens(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4));
}

export interface CompletionContext {
  id: string;
  model: string;
  turn: number;
}

export function completionBody(
  request: ChatRequestBody,
  reply: ScriptedReply,
  context: CompletionContext,
): ChatCompletionBody {
  const toolCalls: ChatCompletionToolCall[] = (reply.toolCalls ?? []).map((call, index) => ({
    id: call.id ?? `call_${context.turn}_${index}`,
    type: 'function',
    function: { name: call.name, arguments: encodeArguments(call) },
  }));
  const content = reply.content ?? null;

  const promptChars = request.messages.reduce((sum, message) => sum + contentChars(message.content), 0);
  const completionChars =
    (content?.length ?? 0) + toolCalls.reduce((sum, call) => sum + call.function.arguments.length, 0);
  const promptTokens = reply.usage?.promptTokens ?? estimateTokens(promptChars);
  const completionTokens = reply.usage?.completionTokens ?? estimateTokens(completionChars);

  const message: ChatCompletionBody['choices'][number]['message'] = { role: 'assistant', content };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;

  return {
    id: context.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: context.model,
    choices: [
      { index: 0, message, finish_reason: reply.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop') },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: reply.usage?.cachedTokens ?? 0 },
    },
  };
}
