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
  /** Where calls go: a tool registered on the worker, or a tool of one of the agent's MCP servers. */
  source?: { kind: 'worker' } | { kind: 'mcp'; server: string; tool: string };
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
}

export interface ModelCallInput {
  model: string;
  messages: ChatMessage[];
  tools: ToolDefinition[];
  temperature?: number;
  maxOutputTokens?: number;
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
}

/** A tool's answer. `ok: false` is an error the model should see and react to, not an infrastructure failure. */
export type ToolOutcome = { ok: true; output: string } | { ok: false; error: { type: string; message: string } };
