import {
  channelName,
  MAX_NOTIFICATION_RECORDS,
  NOTICE_BOUNDS,
  type NotificationKind,
  type NotificationRecord,
  type NotificationRequest,
  type NotificationSettings,
} from '../../common/notifications';
import type { ApprovalRequest } from '../../common/run-state';
import { safeCut } from '../../common/text';

/**
 * What to tell approvers, decided from plain data: which pending requests need a notice now, what each notice says
 * (arguments and names bounded), and what the run's records keep. The sending is approval-notices.ts.
 */

export interface RunFacts {
  runId: string;
  agent: string;
  userId: string;
  team: string;
}

/** The notice a pending request's current stage gets when it is first seen: none for an unannounced escalation. */
export function announcementOf(request: ApprovalRequest, settings: NotificationSettings): NotificationKind | undefined {
  if (request.stage === 'primary') return 'gate';
  return settings.escalations ? 'escalation' : undefined;
}

/** When a stage's reminder is due (epoch ms), or undefined when the settings ask for none or it is too late already. */
export function reminderAt(
  request: ApprovalRequest,
  settings: NotificationSettings,
  nowMs: number,
): number | undefined {
  if (settings.remindBefore === undefined) return undefined;
  if (request.stage === 'escalated' && !settings.escalations) return undefined;
  const at = Date.parse(request.expiresAt) - settings.remindBefore;
  return Number.isFinite(at) && at > nowMs ? at : undefined;
}

/** Whether the records already hold this kind of notice for this request's stage (sent, failed or on its way). */
export function noticeRecorded(
  records: readonly NotificationRecord[] | undefined,
  request: ApprovalRequest,
  kind: NotificationKind,
): boolean {
  return (records ?? []).some((r) => r.requestId === request.requestId && r.stage === request.stage && r.kind === kind);
}

/** The call's arguments as JSON text, cut to NOTICE_BOUNDS.args characters (never inside a surrogate pair). */
export function boundedArgs(args: unknown): { argsJson: string; argsOmitted: number } {
  let json: string;
  try {
    json = JSON.stringify(args) ?? 'null';
  } catch {
    json = '"(arguments that cannot be shown as JSON)"';
  }
  if (json.length <= NOTICE_BOUNDS.args) return { argsJson: json, argsOmitted: 0 };
  const cut = safeCut(json, NOTICE_BOUNDS.args);
  return { argsJson: json.slice(0, cut), argsOmitted: json.length - cut };
}

const clip = (text: string, max: number) => (text.length > max ? text.slice(0, safeCut(text, max)) : text);
const clipNames = (list: readonly string[] | undefined) =>
  (list ?? []).slice(0, NOTICE_BOUNDS.names).map((name) => clip(name, NOTICE_BOUNDS.text));

/** One notice per channel for this request's current stage. Every outside string is cut to its bound here. */
export function noticeRequests(
  kind: NotificationKind,
  request: ApprovalRequest,
  settings: NotificationSettings,
  run: RunFacts,
): NotificationRequest[] {
  const { argsJson, argsOmitted } = boundedArgs(request.editedArgs ?? request.args);
  return settings.channels.map((channel, index) => {
    const name = channelName(channel, index);
    return {
      id: `${clip(run.runId, 200)}/${clip(request.requestId, 200)}/${request.stage}/${kind}/${name}`,
      kind,
      channel,
      channelName: name,
      runId: clip(run.runId, 1_000),
      requestId: clip(request.requestId, NOTICE_BOUNDS.text),
      agent: clip(run.agent, NOTICE_BOUNDS.text),
      userId: clip(run.userId, NOTICE_BOUNDS.text),
      team: clip(run.team, NOTICE_BOUNDS.text),
      tool: clip(request.tool, NOTICE_BOUNDS.text),
      toolClass: request.toolClass,
      argsJson,
      argsOmitted,
      rule: clip(request.rule, 1_000),
      ...(request.reasoning ? { reasoning: clip(request.reasoning, 1_000) } : {}),
      stage: request.stage,
      requestedAt: request.requestedAt,
      expiresAt: request.expiresAt,
      approvers: request.approvers
        ? { users: clipNames(request.approvers.users), roles: clipNames(request.approvers.roles) }
        : null,
    };
  });
}

/** Adds a record, dropping the oldest settled ones past MAX_NOTIFICATION_RECORDS. */
export function keepRecord(records: NotificationRecord[], record: NotificationRecord): void {
  records.push(record);
  while (records.length > MAX_NOTIFICATION_RECORDS) {
    const settled = records.findIndex((r) => r.status !== 'sending');
    records.splice(settled >= 0 ? settled : 0, 1);
  }
}

/** A failure's message as the records keep it. */
export const errorText = (message: string) => clip(message, 500);
