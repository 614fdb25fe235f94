/**
 * Where an undecodable payload (common/undecodable.ts) may not stand in for data. The worker's payload converter
 * hands the workflow an `Undecodable` value instead of failing its task; message handlers (decide, applyPolicy)
 * record or refuse it with the reason. Everything else fails closed here, with the typed PayloadUndecodable:
 * - a workflow's input: the run cannot start from something it cannot read, and failing the task instead would only
 *   repeat forever;
 * - an activity's result: the call fails as any failed call does, so the run ends with the reason in its state
 *   rather than acting on a stand-in.
 * A worker that lacks a key or the shared payload store therefore ends the run it cannot read, with the cause named,
 * instead of leaving it to fail task after task. Registered as a workflow interceptor module by the worker (and in
 * bundles built ahead of time), beside the payload converter it belongs with.
 */
import {
  ApplicationFailure,
  type ActivityInput,
  type LocalActivityInput,
  type Next,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { ErrorType } from '../../common/errors';
import { describeUndecodable, undecodableReason } from '../../common/undecodable';

function refuse(what: string, reason: string): never {
  throw ApplicationFailure.create({
    type: ErrorType.PayloadUndecodable,
    message: `${what}: ${describeUndecodable(reason)}`,
    nonRetryable: true,
  });
}

class GuardInbound implements WorkflowInboundCallsInterceptor {
  // Async on purpose: a rejection fails the workflow with the reason; a synchronous throw would fail only the task.
  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    input.args.forEach((arg, index) => {
      const reason = undecodableReason(arg);
      if (reason !== undefined) refuse(`workflow input ${index + 1}`, reason);
    });
    return next(input);
  }
}

class GuardOutbound implements WorkflowOutboundCallsInterceptor {
  async scheduleActivity(
    input: ActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>,
  ): Promise<unknown> {
    return checked(`result of ${input.activityType}`, await next(input));
  }

  async scheduleLocalActivity(
    input: LocalActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
  ): Promise<unknown> {
    return checked(`result of ${input.activityType}`, await next(input));
  }
}

function checked(what: string, value: unknown): unknown {
  const reason = undecodableReason(value);
  return reason === undefined ? value : refuse(what, reason);
}

export const interceptors = (): WorkflowInterceptors => ({
  inbound: [new GuardInbound()],
  outbound: [new GuardOutbound()],
});
