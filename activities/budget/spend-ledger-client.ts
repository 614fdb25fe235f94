import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation } from '@temporalio/client';
import {
  reserveSpendUpdate,
  settleSpendUpdate,
  spendReservation,
  spendSettlement,
  USER_SPEND_WORKFLOW,
  userSpendWorkflowId,
  type DaySpend,
  type SpendGrant,
  type SpendReservation,
  type SpendSettlement,
} from '../../common/spend-ledger';

/** Talks to the user's spend ledger workflow, starting it on first use, through the worker's own client. */
export function createSpendActivities() {
  const withStart = (userId: string) =>
    new WithStartWorkflowOperation(USER_SPEND_WORKFLOW, {
      workflowId: userSpendWorkflowId(userId),
      taskQueue: Context.current().info.taskQueue,
      args: [],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });

  return {
    async reserveSpend(input: { userId: string } & SpendReservation): Promise<SpendGrant> {
      const { userId, ...reservation } = input;
      return Context.current().client.workflow.executeUpdateWithStart(reserveSpendUpdate, {
        args: [spendReservation(reservation)],
        startWorkflowOperation: withStart(userId),
      });
    },
    async settleSpend(input: { userId: string } & SpendSettlement): Promise<DaySpend> {
      const { userId, ...settlement } = input;
      return Context.current().client.workflow.executeUpdateWithStart(settleSpendUpdate, {
        args: [spendSettlement(settlement)],
        startWorkflowOperation: withStart(userId),
      });
    },
  };
}
