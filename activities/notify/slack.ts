import type { NotificationRequest } from '../../common/notifications';
import { visible } from '../../common/display-text';
import { approversLine, KIND_TITLE, line } from './notice-text';
import { postJson } from './http-post';

/**
 * Outside text for Slack's mrkdwn: `&`, `<` and `>` escaped as Slack asks (so no `<!channel>`, `<@U…>` or
 * `<url|label>` can be slipped in), and the characters that start formatting replaced by look-alikes, so a name
 * cannot bold, strike or open a code span around the text after it.
 */
export function slackText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/`/g, 'ˋ')
    .replace(/\*/g, '∗')
    .replace(/_/g, 'ˍ')
    .replace(/~/g, '∼');
}

/** Text inside a code block: escaped, and with no backtick that could close the block. */
const slackCode = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/`/g, 'ˋ');

export function slackMessage(request: NotificationRequest, link: string | undefined): { text: string } {
  const omitted = request.argsOmitted > 0 ? `\n_${request.argsOmitted} more characters not shown_` : '';
  const lines = [
    `*Run ${slackText(line(request.runId))} ${KIND_TITLE[request.kind]}*: \`${slackCode(line(request.tool, 100))}\` (${request.toolClass}), request ${slackText(line(request.requestId))}`,
    `Agent ${slackText(line(request.agent))} · user ${slackText(line(request.userId))} · team ${slackText(line(request.team))}`,
    `Rule: ${slackText(line(request.rule, 500))}`,
    ...(request.reasoning ? [`The model said: ${slackText(line(request.reasoning, 1_000))}`] : []),
    `Who may decide: ${slackText(approversLine(request.approvers))}${request.stage === 'escalated' ? ' (escalation group)' : ''}`,
    `Times out at ${request.expiresAt}`,
    '```' + slackCode(visible(request.argsJson, { keepLines: true })) + '```' + omitted,
    ...(link ? [`<${link}|Open the request in the console>`] : []),
  ];
  return { text: lines.join('\n') };
}

export async function sendSlack(request: NotificationRequest, url: string, link: string | undefined): Promise<string> {
  const { status } = await postJson(
    `slack ${request.channelName}`,
    url,
    JSON.stringify(slackMessage(request, link)),
    {},
  );
  return `HTTP ${status}`;
}
