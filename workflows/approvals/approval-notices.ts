import { condition, proxyActivities } from '@temporalio/workflow';
import type { ReinsActivities } from '../../activities';
import type { NotificationKind, NotificationRequest, NotificationSettings } from '../../common/notifications';
import type { ApprovalRequest, RunRecord } from '../../common/run-state';
import { teamOf, type RunInput } from '../../common/run-input';
import { notifyActivityOptions } from '../activity-options';
import { failureOf } from '../run/failures';
import {
  announcementOf,
  errorText,
  keepRecord,
  noticeRecorded,
  noticeRequests,
  reminderAt,
  type RunFacts,
} from './notice-plan';

/**
 * Tells approvers that the run waits for them: when a gate is reached, before it times out, and when it escalates.
 * Each notice is an activity per channel, started and not awaited: the run waits for decisions, never for a mail
 * server. Outcomes land in the run's `notifications` as they come; one that fails for good is recorded failed.
 * Reminders are timers (a condition with a timeout) that a decision cancels.
 */
export class ApprovalNotices {
  /** Request stages whose reminder timer runs in this execution (a continued run starts them again). */
  private readonly reminding = new Set<string>();

  constructor(
    private readonly run: {
      record: RunRecord;
      facts: () => RunFacts;
      settings: () => NotificationSettings | undefined;
      pending: () => readonly ApprovalRequest[];
      publish: () => void;
    },
  ) {}

  /** Approvers hear of this run's gates where its policy's notifications section (the team's, else the org's) says. */
  static forRun(
    input: RunInput,
    record: RunRecord,
    pending: () => readonly ApprovalRequest[],
    publish: () => void,
  ): ApprovalNotices {
    return new ApprovalNotices({
      record,
      facts: () => ({
        runId: record.runId,
        agent: input.spec.name,
        userId: input.userId,
        team: record.policy?.team ?? teamOf(input),
      }),
      settings: () => record.policy?.notifications?.value,
      pending,
      publish,
    });
  }

  /** Called while the run waits, before each wait: announces new gates and escalations and arms their reminders. */
  observe(): void {
    const settings = this.run.settings();
    if (!settings) return;
    for (const request of this.run.pending()) {
      const kind = announcementOf(request, settings);
      if (kind && !noticeRecorded(this.run.record.notifications, request, kind)) this.send(kind, request, settings);
      const key = `${request.requestId}\u0000${request.stage}`;
      if (this.reminding.has(key) || noticeRecorded(this.run.record.notifications, request, 'reminder')) continue;
      const at = reminderAt(request, settings, Date.now());
      if (at === undefined) continue;
      this.reminding.add(key);
      void this.remindAt(request, request.stage, at);
    }
  }

  private async remindAt(request: ApprovalRequest, stage: ApprovalRequest['stage'], atMs: number): Promise<void> {
    const stillWaiting = () => this.run.pending().some((r) => r.requestId === request.requestId && r.stage === stage);
    try {
      const moved = await condition(() => !stillWaiting(), Math.max(atMs - Date.now(), 1), {
        summary: `reminder for approval ${request.requestId}`,
      });
      const settings = this.run.settings();
      if (!moved && settings && stillWaiting()) this.send('reminder', request, settings);
    } catch {
      // Cancelled with the run's loop (maxDuration, cancellation): no reminder is owed then.
    }
  }

  private send(kind: NotificationKind, request: ApprovalRequest, settings: NotificationSettings): void {
    const records = (this.run.record.notifications ??= []);
    for (const notice of noticeRequests(kind, request, settings, this.run.facts())) {
      const entry = {
        id: notice.id,
        kind,
        requestId: notice.requestId,
        stage: notice.stage,
        channel: notice.channelName,
        status: 'sending' as 'sending' | 'sent' | 'failed',
        at: new Date(Date.now()).toISOString(),
      };
      keepRecord(records, entry);
      void this.deliver(notice).then((outcome) => {
        Object.assign(entry, outcome, { at: new Date(Date.now()).toISOString() });
        this.run.publish();
      });
    }
    this.run.publish();
  }

  private async deliver(
    notice: NotificationRequest,
  ): Promise<{ status: 'sent'; detail: string } | { status: 'failed'; error: string }> {
    const { notifyApprovers } = proxyActivities<ReinsActivities>({
      ...notifyActivityOptions(notice.channel.attempts),
      summary: `notify ${notice.channelName}: ${notice.kind} ${notice.requestId}`,
    });
    try {
      const receipt = await notifyApprovers(notice);
      return { status: 'sent', detail: errorText(String(receipt.detail)) };
    } catch (error) {
      const failure = failureOf(error);
      return { status: 'failed', error: errorText(`${failure.type}: ${failure.message}`) };
    }
  }
}
