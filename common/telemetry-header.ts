import { defaultPayloadConverter, type Payload } from '@temporalio/common';

/** The activity header through which the workflow tells activity spans what only it knows. */
export const TELEMETRY_HEADER = 'reins-telemetry';

export interface ApprovalNote {
  outcome: 'approve' | 'reject';
  by: string;
  edited: boolean;
}

/** Facts for the activity's GenAI span: the price of the model called, the class and approval of a tool call. */
export interface TelemetryNote {
  agent?: string;
  price?: { input: number; output: number; cachedInput?: number };
  toolClass?: string;
  /** The model's id for a tool call (the run's own `<step>-<n>` is in the activity input). */
  toolCallId?: string;
  approval?: ApprovalNote;
  /** False when the run's policy keeps message content off its spans, whatever the worker records otherwise. */
  content?: false;
}

export function encodeNote(note: TelemetryNote): Payload {
  return defaultPayloadConverter.toPayload(note);
}

export function decodeNote(headers: Record<string, Payload> | undefined): TelemetryNote {
  const payload = headers?.[TELEMETRY_HEADER];
  if (!payload) return {};
  try {
    return (defaultPayloadConverter.fromPayload(payload) as TelemetryNote | undefined) ?? {};
  } catch {
    // A malformed header costs attributes on a span, never the activity.
    return {};
  }
}
