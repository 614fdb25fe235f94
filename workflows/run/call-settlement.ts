import { workflowInfo } from '@temporalio/workflow';
import type { RunRecord } from '../../common/run-state';
import type { ApprovalBook } from '../approvals/approval-book';
import { openGates, waitForDecisions } from '../approvals/approval-gate';
import type { ContextWindow } from '../model/context-window';
import { rerunOf } from '../tools/interrupted-calls';
import { capToolCalls, type PreparedCall } from '../tools/prepare-call';
import { settleCall } from '../tools/tool-calls';
import type { TurnDeps } from './turn-deps';

/**
 * The end of a turn: wait for the people its gates asked, then settle each call in order (run it, or record why
 * not) and hand every result to the model. An interrupted call may be offered again behind a gate of its own.
 */
export class CallSettlement {
  constructor(
    private readonly run: {
      book: ApprovalBook;
      record: RunRecord;
      context: ContextWindow;
      publish: () => void;
      turns: TurnDeps;
    },
  ) {}

  /** Waits for the turn's gates, then runs or refuses each call in order and hands the results to the model. */
  async settle(calls: PreparedCall[]): Promise<'done' | 'roll-over'> {
    if (this.run.book.pending.length > 0) {
      if ((await this.awaitDecisions(() => workflowInfo().continueAsNewSuggested)) === 'roll-over') {
        return 'roll-over';
      }
    }
    for (const call of calls) {
      let content = await settleCall(call, this.run.record, this.run.book);
      const rerun = rerunOf(call, this.run.turns.spec, this.run.record, this.run.book);
      if (rerun) content += `\nA person was asked whether to run it again: ${await this.askAndRerun(rerun)}`;
      this.run.context.push({ role: 'tool', toolCallId: call.request.id, content });
    }
    return 'done';
  }

  private async awaitDecisions(rollOverWhen?: () => boolean): Promise<'decided' | 'roll-over'> {
    this.run.record.status = 'awaiting_approval';
    this.run.publish();
    const waited = await waitForDecisions(this.run.book, this.run.turns.approvalRules, this.run.publish, rollOverWhen);
    if (waited === 'roll-over') return waited;
    this.run.record.status = 'running';
    this.run.publish();
    return waited;
  }

  /** An interrupted call, offered again behind its own gate; within the tool-call budget like any other call. */
  private async askAndRerun(rerun: PreparedCall): Promise<string> {
    const [capped] = capToolCalls([rerun], this.run.record.limits.maxToolCalls, this.run.record.usage.toolCalls);
    if (!capped || capped.refusal) return settleCall(capped ?? rerun, this.run.record, this.run.book);
    openGates(this.run.book, [capped], this.run.turns.gateContext(this.run.record.step));
    await this.awaitDecisions();
    return settleCall(capped, this.run.record, this.run.book);
  }
}
