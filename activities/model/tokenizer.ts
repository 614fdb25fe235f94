import type { Tiktoken, TiktokenBPE } from 'js-tiktoken/lite' with { 'resolution-mode': 'import' };
import type { ChatMessage, ToolDefinition } from '../../common/chat';
import { textOf } from '../../common/text';

/** Framing tokens per message (role, separators), as chat formats add them. */
const MESSAGE_OVERHEAD = 4;

let encoder: Tiktoken | undefined;

/** o200k_base (the GPT-4o family's encoding); built once per worker, on first use, since it takes about a second. */
function tokenizer(): Tiktoken {
  if (!encoder) {
    // The package's typings are ESM-only; Node loads its CommonJS build here.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { Tiktoken: Encoder } = require('js-tiktoken/lite') as { Tiktoken: typeof Tiktoken };
    const ranks = require('js-tiktoken/ranks/o200k_base') as { default?: TiktokenBPE } & TiktokenBPE;
    /* eslint-enable @typescript-eslint/no-require-imports */
    encoder = new Encoder(ranks.default ?? ranks);
  }
  return encoder;
}

/**
 * Runs of more than this many characters without whitespace (base64, hex, repeated characters) are estimated at three
 * characters per token instead of encoded: BPE merging is quadratic in the length of such a run, and a 2 KB blob
 * would otherwise cost the worker half a second of CPU.
 */
const LONG_RUN = 64;

/** Any value is counted as its text (see textOf): a history or another worker may hand over anything. */
export function countTextTokens(value: unknown): number {
  const text = textOf(value);
  if (text.length === 0) return 0;
  let estimated = 0;
  let encodable = '';
  for (const part of text.split(/(\s+)/)) {
    if (part.length > LONG_RUN && !/\s/.test(part)) estimated += Math.ceil(part.length / 3);
    else encodable += part;
  }
  // Special-token text (`<|endoftext|>`) in a tool output is plain text to a provider; the encoder would throw on it.
  return estimated + (encodable.length > 0 ? tokenizer().encode(encodable, [], []).length : 0);
}

/** Never throws: a message of the wrong shape counts as what text it has. */
export function countMessageTokens(message: ChatMessage): number {
  const loose = (typeof message === 'object' && message !== null ? message : {}) as Record<string, unknown>;
  let tokens = MESSAGE_OVERHEAD + countTextTokens(loose.content);
  const calls = loose.role === 'assistant' ? loose.toolCalls : undefined;
  if (Array.isArray(calls)) {
    for (const call of calls as unknown[]) {
      const fields = (typeof call === 'object' && call !== null ? call : {}) as Record<string, unknown>;
      tokens += countTextTokens(fields.name) + countTextTokens(fields.arguments) + 3;
    }
  }
  return tokens;
}

export function countToolTokens(tools: ToolDefinition[]): number {
  if (!Array.isArray(tools) || tools.length === 0) return 0;
  const visible = (tools as unknown[]).map((tool) => {
    const { name, description, parameters } = (typeof tool === 'object' && tool !== null ? tool : {}) as Record<
      string,
      unknown
    >;
    return { name, description, parameters };
  });
  return countTextTokens(visible);
}
