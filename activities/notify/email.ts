import { ApplicationFailure } from '@temporalio/activity';
import nodemailer from 'nodemailer';
import { ErrorType } from '../../common/errors';
import type { NotificationChannel, NotificationRequest } from '../../common/notifications';
import { KIND_TITLE, line, summaryLines } from './notice-text';
import { NOTIFY_HTTP_TIMEOUT_MS } from './http-post';

type EmailChannel = Extract<NotificationChannel, { type: 'email' }>;

/** A user name that makes a plain address local part; anything else is not mailed (it could smuggle recipients). */
const PLAIN_LOCAL_PART = /^[A-Za-z0-9](?:[A-Za-z0-9._+-]{0,62}[A-Za-z0-9])?$/;

/** The channel's fixed recipients plus one per approving user whose name fits the template; duplicates once. */
export function emailRecipients(
  channel: EmailChannel,
  request: NotificationRequest,
): { to: string[]; skipped: number } {
  const to = new Set(channel.to.map((a) => a.toLowerCase()));
  let skipped = 0;
  const template = channel.approverAddress;
  for (const user of template ? (request.approvers?.users ?? []) : []) {
    if (PLAIN_LOCAL_PART.test(user) && !user.includes('..')) to.add(template!.replace('{user}', user).toLowerCase());
    else skipped += 1;
  }
  return { to: [...to].slice(0, 100), skipped };
}

/** A subject is one line of bounded, visible text: no header can be started from it. */
export function emailSubject(request: NotificationRequest): string {
  return `[reins] ${line(request.tool, 80)} ${KIND_TITLE[request.kind]} (run ${line(request.runId, 80)}, request ${line(request.requestId, 40)})`.replace(
    /[\r\n]/g,
    ' ',
  );
}

export async function sendEmail(
  request: NotificationRequest,
  channel: EmailChannel,
  auth: { user: string; pass: string } | undefined,
  link: string | undefined,
): Promise<string> {
  const { to, skipped } = emailRecipients(channel, request);
  if (to.length === 0) {
    throw ApplicationFailure.nonRetryable(
      `email ${request.channelName}: no recipient (${skipped} approver names do not make an address)`,
      ErrorType.NotificationRefused,
    );
  }
  const transport = nodemailer.createTransport({
    host: channel.smtp.host,
    port: channel.smtp.port,
    secure: channel.smtp.secure,
    ...(auth ? { auth } : {}),
    connectionTimeout: NOTIFY_HTTP_TIMEOUT_MS,
    greetingTimeout: NOTIFY_HTTP_TIMEOUT_MS,
    socketTimeout: NOTIFY_HTTP_TIMEOUT_MS,
  });
  try {
    const info = await transport.sendMail({
      from: channel.from,
      to,
      // The envelope is given outright: recipients come from the list above, never from parsing header text.
      envelope: { from: channel.from, to },
      subject: emailSubject(request),
      text: summaryLines(request, link).join('\n'),
      headers: { 'X-Reins-Delivery': request.id.replace(/[^\x21-\x7e]/g, '_').slice(0, 200) },
    });
    return `to ${info.accepted.length} recipient(s)${skipped ? `, ${skipped} approver name(s) skipped` : ''}`;
  } catch (error) {
    const code = (error as { responseCode?: number }).responseCode;
    const message = `email ${request.channelName}: ${(error as Error).message.slice(0, 300)}`;
    // A permanent SMTP refusal (5xx) will not change on retry; the rest (connection, 4xx) may.
    if (code !== undefined && code >= 500)
      throw ApplicationFailure.nonRetryable(message, ErrorType.NotificationRefused);
    throw ApplicationFailure.retryable(message, ErrorType.NotificationFailed);
  } finally {
    transport.close();
  }
}
