import { createHmac } from 'node:crypto';
import type { NotificationRequest } from '../../common/notifications';
import { EVENT_TYPE } from './notice-text';
import { postJson } from './http-post';

/** The JSON a webhook receives: documented in docs/approvals.md (Notifications). */
export interface WebhookPayload {
  type: string;
  id: string;
  sentAt: string;
  runId: string;
  requestId: string;
  stage: 'primary' | 'escalated';
  agent: string;
  user: string;
  team: string;
  tool: string;
  class: string;
  arguments: string;
  argumentsOmitted: number;
  rule: string;
  /** The model's text in the turn that asked for the call, or null when it wrote none. */
  reasoning: string | null;
  approvers: { users: string[]; roles: string[] } | null;
  requestedAt: string;
  expiresAt: string;
  consoleUrl?: string;
}

export function webhookPayload(request: NotificationRequest, link: string | undefined, nowMs: number): WebhookPayload {
  return {
    type: EVENT_TYPE[request.kind],
    id: request.id,
    sentAt: new Date(nowMs).toISOString(),
    runId: request.runId,
    requestId: request.requestId,
    stage: request.stage,
    agent: request.agent,
    user: request.userId,
    team: request.team,
    tool: request.tool,
    class: request.toolClass,
    arguments: request.argsJson,
    argumentsOmitted: request.argsOmitted,
    rule: request.rule,
    reasoning: request.reasoning ?? null,
    approvers: request.approvers,
    requestedAt: request.requestedAt,
    expiresAt: request.expiresAt,
    ...(link ? { consoleUrl: link } : {}),
  };
}

/** `sha256=<hex>` over `<timestamp>.<raw body>`: the timestamp is signed, so an old delivery cannot be replayed as new. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Header values hold visible ASCII only. */
const headerSafe = (value: string) => value.replace(/[^\x21-\x7e]/g, '_').slice(0, 200);

export async function sendWebhook(
  request: NotificationRequest,
  target: { url: string; secret: string },
  link: string | undefined,
): Promise<string> {
  const nowMs = Date.now();
  const body = JSON.stringify(webhookPayload(request, link, nowMs));
  const timestamp = String(Math.floor(nowMs / 1000));
  const { status } = await postJson(`webhook ${request.channelName}`, target.url, body, {
    'x-reins-event': EVENT_TYPE[request.kind],
    'x-reins-delivery': headerSafe(request.id),
    'x-reins-timestamp': timestamp,
    'x-reins-signature': webhookSignature(target.secret, timestamp, body),
  });
  return `HTTP ${status}`;
}
