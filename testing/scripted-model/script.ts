import { z } from 'zod';

// Strict objects so a typo in a JSON script file is reported instead of silently ignored.

export const ScriptedToolCallSchema = z.strictObject({
  name: z.string().min(1),
  // A string is taken as already-encoded arguments; any other value is JSON-encoded. Defaults to {}.
  arguments: z.unknown().optional(),
  // Sent verbatim, wins over `arguments`: the way to hand the client malformed JSON.
  rawArguments: z.string().optional(),
  id: z.string().min(1).optional(),
});
export type ScriptedToolCall = z.infer<typeof ScriptedToolCallSchema>;

const tokenCount = z.number().int().nonnegative();

export const ScriptedUsageSchema = z.strictObject({
  promptTokens: tokenCount.optional(),
  completionTokens: tokenCount.optional(),
  cachedTokens: tokenCount.optional(),
});
export type ScriptedUsage = z.infer<typeof ScriptedUsageSchema>;

export const ScriptedReplySchema = z.strictObject({
  content: z.string().optional(),
  toolCalls: z.array(ScriptedToolCallSchema).optional(),
  usage: ScriptedUsageSchema.optional(),
  finishReason: z.enum(['stop', 'tool_calls', 'length']).optional(),
});
export type ScriptedReply = z.infer<typeof ScriptedReplySchema>;

const delayMs = z.number().int().nonnegative();

export const StatusFaultSchema = z.strictObject({
  // 200 is allowed on purpose: a 200 with a broken body is a fault worth simulating too.
  status: z.number().int().min(100).max(599),
  // A string is sent verbatim; any other value is JSON-encoded. Defaults to an OpenAI-shaped error.
  body: z.unknown().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  delayMs: delayMs.optional(),
});
export type StatusFault = z.infer<typeof StatusFaultSchema>;

export const HangupFaultSchema = z.strictObject({
  hangup: z.literal(true),
  delayMs: delayMs.optional(),
});
export type HangupFault = z.infer<typeof HangupFaultSchema>;

export const FaultSchema = z.union([StatusFaultSchema, HangupFaultSchema]);
export type Fault = z.infer<typeof FaultSchema>;

export const ScriptTurnSchema = z.strictObject({
  reply: ScriptedReplySchema,
  // faults[i] answers the (i+1)-th request for this turn of a conversation; the reply comes after them.
  faults: z.array(FaultSchema).optional(),
  // Delays the reply only; faults carry their own delay.
  delayMs: delayMs.optional(),
});
export type ScriptTurn = z.infer<typeof ScriptTurnSchema>;

export const ScriptSchema = z.array(ScriptTurnSchema);
export type Script = z.infer<typeof ScriptSchema>;

// Only the fields the server relies on are checked; everything else passes through untouched.
export const ChatMessageSchema = z.looseObject({
  role: z.string(),
  content: z.unknown().optional(),
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

export const ChatRequestBodySchema = z.looseObject({
  model: z.string().optional(),
  messages: z.array(ChatMessageSchema),
  stream: z.boolean().nullish(),
});
export type ChatRequestBody = z.infer<typeof ChatRequestBodySchema>;

/** For tests that need to look at the request before deciding what to answer. */
export type ScriptFn = (request: ChatRequestBody, turn: number, attempt: number) => ScriptTurn | Promise<ScriptTurn>;

/** One line per problem, each led by the path of the offending field, e.g. `[1].reply.toolCalls[0].name`. */
export function formatIssues(error: z.ZodError, root = ''): string {
  return error.issues.map((issue) => `${formatPath(root, issue.path)}: ${issue.message}`).join('\n');
}

function formatPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const key of path) {
    out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

/** Validates an untrusted value (e.g. a parsed JSON file) as a script; throws with field paths on failure. */
export function parseScript(value: unknown, source = 'script'): Script {
  const result = ScriptSchema.safeParse(value);
  if (!result.success) {
    throw new Error(`invalid ${source}:\n${formatIssues(result.error)}`);
  }
  return result.data;
}
