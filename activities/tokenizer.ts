import type { Tiktoken, TiktokenBPE } from 'js-tiktoken/lite' with { 'resolution-mode': 'import' };
import type { ChatMessage, ToolDefinition } from '../common/chat';

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

/** Longer texts are counted in slices: BPE is quadratic on long runs without spaces (base64, repeated chars). */
const SLICE = 256;

export function countTextTokens(text: string): number {
  if (text.length === 0) return 0;
  if (text.length <= SLICE * 4) return tokenizer().encode(text).length;
  let tokens = 0;
  // Cutting inside a word can only add a token at each cut, so the count errs on the safe (high) side.
  for (let start = 0; start < text.length; start += SLICE) tokens += tokenizer().encode(text.slice(start, start + SLICE)).length;
  return tokens;
}

export function countMessageTokens(message: ChatMessage): number {
  let tokens = MESSAGE_OVERHEAD + countTextTokens(message.content ?? '');
  if (message.role === 'assistant') {
    for (const call of message.toolCalls ?? [])
      tokens += countTextTokens(call.name) + countTextTokens(call.arguments) + 3;
  }
  return tokens;
}

export function countToolTokens(tools: ToolDefinition[]): number {
  return tools.length === 0
    ? 0
    : countTextTokens(
        JSON.stringify(tools.map(({ name, description, parameters }) => ({ name, description, parameters }))),
      );
}
