import { visible } from '../../common/display-text';
import { NOTICE_BOUNDS, type NotificationKind, type NotificationRequest } from '../../common/notifications';

/**
 * The words of a notification. Everything in it but the channel settings is an outside string (a model's arguments,
 * approver and tool names from a spec, a rule): cut to size, with invisible and line-moving characters escaped, before
 * any channel formats it.
 */

/** One line of outside text: bounded, invisible characters and line breaks shown as `\uXXXX`. */
export function line(text: string, max: number = NOTICE_BOUNDS.text): string {
  const shown = visible(text);
  return shown.length > max ? `${shown.slice(0, max - 1)}…` : shown;
}

/** Several names, bounded in count and length. */
export function names(list: readonly string[]): string {
  const shown = list.slice(0, NOTICE_BOUNDS.names).map((name) => line(name, 80));
  const more = list.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

export const KIND_TITLE: Readonly<Record<NotificationKind, string>> = {
  gate: 'waits for approval',
  reminder: 'still waits for approval',
  escalation: 'was escalated and waits for approval',
};

export const EVENT_TYPE: Readonly<Record<NotificationKind, string>> = {
  gate: 'approval.requested',
  reminder: 'approval.reminder',
  escalation: 'approval.escalated',
};

/** `<base>/runs/<runId>/approvals/<requestId>`, or undefined without a console. */
export function consoleLink(base: string | undefined, runId: string, requestId: string): string | undefined {
  if (!base) return undefined;
  return `${base.replace(/\/+$/, '')}/runs/${encodeURIComponent(runId)}/approvals/${encodeURIComponent(requestId)}`;
}

/** Who may decide, as a line. */
export function approversLine(approvers: NotificationRequest['approvers']): string {
  if (!approvers) return 'anyone';
  const parts = [
    ...(approvers.users.length ? [`users ${names(approvers.users)}`] : []),
    ...(approvers.roles.length ? [`roles ${names(approvers.roles)}`] : []),
  ];
  return parts.join(' or ') || 'anyone';
}

/** The request in plain lines (email and the Slack fallback text build on it). */
export function summaryLines(request: NotificationRequest, link: string | undefined): string[] {
  const omitted = request.argsOmitted > 0 ? ` (${request.argsOmitted} more characters not shown)` : '';
  return [
    `Run ${line(request.runId)} ${KIND_TITLE[request.kind]}: ${line(request.tool, 100)} (${request.toolClass}), request ${line(request.requestId)}.`,
    `Agent: ${line(request.agent)} · user: ${line(request.userId)} · team: ${line(request.team)}`,
    `Asked by policy rule: ${line(request.rule, 500)}`,
    ...(request.reasoning ? [`The model said: ${line(request.reasoning, 1_000)}`] : []),
    `Who may decide: ${approversLine(request.approvers)}${request.stage === 'escalated' ? ' (escalation group)' : ''}`,
    `Times out at: ${request.expiresAt}`,
    `Arguments${omitted}:`,
    visible(request.argsJson, { keepLines: true }),
    ...(link
      ? [`Decide: ${link}`]
      : [`Decide: reins approve ${line(request.runId)} ${line(request.requestId)} --by <you>`]),
  ];
}
