import { Context } from '@temporalio/activity';
import { filler } from './bench-tool';
import type { Timeline } from './timeline';

/** The baseline's only activity: what a plain Temporal workflow pays per step with nothing of reins around it. */
export function createPlainActivities(timeline: Timeline) {
  return {
    async noop(payloadBytes: number): Promise<string> {
      const info = Context.current().info;
      timeline.record('activity', info.workflowExecution?.workflowId ?? info.activityId);
      return filler(payloadBytes);
    },
  };
}

export type PlainActivities = ReturnType<typeof createPlainActivities>;
