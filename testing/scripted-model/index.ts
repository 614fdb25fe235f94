export {
  ChatMessageSchema,
  ChatRequestBodySchema,
  FaultSchema,
  HangupFaultSchema,
  ScriptSchema,
  ScriptTurnSchema,
  ScriptedReplySchema,
  ScriptedToolCallSchema,
  ScriptedUsageSchema,
  StatusFaultSchema,
  formatIssues,
  parseScript,
} from './script';
export type {
  ChatMessage,
  ChatRequestBody,
  Fault,
  HangupFault,
  Script,
  ScriptFn,
  ScriptTurn,
  ScriptedReply,
  ScriptedToolCall,
  ScriptedUsage,
  StatusFault,
} from './script';
export { conversationId, startScriptedModel } from './server';
export type { RecordedRequest, RequestOutcome, ScriptedModelOptions, ScriptedModelServer } from './server';
export { completionBody, errorBody, faultErrorBody, turnOf } from './completion';
export type { ChatCompletionBody, ChatCompletionToolCall, OpenAiErrorBody } from './completion';
