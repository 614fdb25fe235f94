import type { ToolClass } from './agent-spec';

/** A tool call as the model asked for it; `arguments` is the raw JSON text, which may be malformed. */
export interface ToolCallRequest {
  id: string;
  name: string;
  arguments: string;
}

/** The transcript in a provider-neutral shape; the model activity maps it to the provider's format. */
export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string | null; toolCalls?: ToolCallRequest[] }
  | { role: 'tool'; toolCallId: string; content: string };

/** A tool as the model sees it: the JSON Schema of its arguments plus the class policy acts on. */
export interface ToolDefinition {
  name: string;
  description: string;
  class: ToolClass;
  /** JSON Schema (draft 2020-12) of the arguments object. */
  parameters: Record<string, unknown>;
  /** Things operators and approvers must know about this tool on this worker, e.g. that it runs unsandboxed. */
  warnings?: string[];
  /** The name allow/deny globs match (`github.create_issue`); the model-facing `name` when absent. */
  policyName?: string;
  /**
   * The class depends on each call's arguments (an HTTP method, a SQL statement): the worker classifies every call
   * before policy applies, and `class` is what the tool may do at worst.
   */
  classifiedPerCall?: boolean;
  /** Set for tools that execute code the model wrote; `sandboxed` when this worker isolates it. */
  runsCode?: { sandboxed: boolean };
  /**
   * Arguments (dotted paths) that name a file in the workspace. Approval conditions on them match the path as the tool
   * will resolve it, not the raw string.
   */
  pathArgs?: string[];
  /** The tool declares that repeating a call repeats no effect, so an interrupted call may be retried as it is. */
  idempotent?: boolean;
  /** Where calls go: a tool registered on the worker, or a tool of one of the agent's MCP servers. */
  source?: { kind: 'worker' } | { kind: 'mcp'; server: string; tool: string };
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
}

/**
 * The conversation a model call continues, by reference. Messages before `from` were stored by earlier calls of the
 * same conversation (or must be, see ConversationMissing); only `messages` (from `from` on) travel in this input, so
 * history grows with each step's new messages rather than with the whole transcript.
 */
export interface ConversationDelta {
  /** Unique per run chain and compaction epoch. */
  id: string;
  from: number;
  messages: ChatMessage[];
  /** The tools, sent with the first call of a conversation (`from` 0) and read from the store afterwards. */
  tools?: ToolDefinition[];
}

export interface ModelCallInput {
  model: string;
  conversation: ConversationDelta;
  temperature?: number;
  maxOutputTokens?: number;
  /** The prompt may use at most this many tokens (context window minus the output reserve). */
  maxPromptTokens?: number;
  /** Tokens of the messages before `conversation.from`, when the workflow knows them all (saves recounting). */
  earlierTokens?: number;
  /** Who the run acts for: sent to the provider as its end-user id, and on every log line of the call. */
  userId?: string;
  /** For the activity's summary, heartbeats and logs. */
  step: number;
}

export interface ModelTurn {
  content: string | null;
  toolCalls: ToolCallRequest[];
  finishReason: string;
  usage: TokenUsage;
  /** The model the provider says answered (may differ from the requested alias). */
  model: string;
  provider: string;
  responseId?: string;
  latencyMs: number;
  /** Tokens of each message the call received in `conversation.messages`, counted with the tokenizer. */
  newMessageTokens: number[];
  /** Tokens of the whole prompt as counted before sending (the provider's own count is in `usage`). */
  promptTokens: number;
  /** What the worker dropped or replaced in the provider's answer (an unreadable usage count, excess tool calls). */
  warnings?: string[];
}

export interface ToolCallInput {
  /** Stable per call within a run (`<step>-<n>`); the idempotency key of its side effect. */
  callId: string;
  tool: string;
  args: unknown;
  step: number;
  userId: string;
  /** The run's agent; names the workspace when `workspace` is `agent`. */
  agent?: string;
  /** `run` (default): a workspace per run. `agent`: one per agent that persists across its runs. */
  workspace?: 'run' | 'agent';
  /** The spec's `config` for this tool: settings and secret references, never secret values. */
  config?: Record<string, unknown>;
  /** The platform policy requires code tools to run in an isolating sandbox: a worker without one refuses the call. */
  requireSandbox?: boolean;
  /** The class policy applied to this call; a read may always be retried. The tool's own class when absent. */
  toolClass?: ToolClass;
  /** Whether an interrupted attempt may simply be retried; the tool's own declaration when absent. */
  idempotent?: boolean;
}

/** A tool's answer. `ok: false` is an error the model should see and react to, not an infrastructure failure. */
export type ToolOutcome = { ok: true; output: string } | { ok: false; error: { type: string; message: string } };

export interface SummaryRequest {
  model: string;
  conversationId: string;
  /** The stretch [start, upTo) of the stored conversation to summarise. */
  start: number;
  upTo: number;
  /**
   * The messages of [0, upTo) the store does not hold yet (from its length on), when the stretch reaches past what the
   * model was sent: the activity stores them first, as a model call would.
   */
  conversation?: ConversationDelta;
  maxOutputTokens: number;
  step: number;
}

export interface SummaryResult {
  summary: string;
  summaryTokens: number;
  replacedTokens: number;
  usage: TokenUsage;
  model: string;
  provider: string;
  latencyMs: number;
  /** As on ModelTurn. */
  warnings?: string[];
}
