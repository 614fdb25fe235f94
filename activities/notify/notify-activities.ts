import type { NotificationReceipt, NotificationRequest } from '../../common/notifications';
import type { SecretRef } from '../../common/secret-ref';
import type { SecretResolver } from '../secrets/secret-resolver';
import { sendEmail } from './email';
import { consoleLink } from './notice-text';
import { sendSlack } from './slack';
import { sendWebhook } from './webhook';

export interface NotifyDeps {
  secrets: SecretResolver;
  /** The console's base URL (REINS_CONSOLE_URL): notifications link to the request there; no link when unset. */
  consoleUrl?: string;
}

/**
 * Telling approvers that a run waits for them. One activity per notification and channel, so each is retried on its
 * own and its outcome recorded in the run; secrets (HMAC keys, Slack URLs, SMTP passwords) resolve here by name.
 */
export function createNotifyActivities(deps: NotifyDeps) {
  return {
    async notifyApprovers(request: NotificationRequest): Promise<NotificationReceipt> {
      const link = consoleLink(deps.consoleUrl, request.runId, request.requestId);
      const channel = request.channel;
      const url = (ref: string | SecretRef) => (typeof ref === 'string' ? ref : deps.secrets.resolve(ref));
      switch (channel.type) {
        case 'webhook':
          return {
            detail: await sendWebhook(
              request,
              { url: url(channel.url), secret: deps.secrets.resolve(channel.secret) },
              link,
            ),
          };
        case 'slack':
          return { detail: await sendSlack(request, url(channel.url), link) };
        case 'email': {
          const auth = channel.smtp.auth
            ? { user: deps.secrets.text(channel.smtp.auth.user), pass: deps.secrets.resolve(channel.smtp.auth.pass) }
            : undefined;
          return { detail: await sendEmail(request, channel, auth, link) };
        }
      }
    },
  };
}
