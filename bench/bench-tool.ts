import { z } from 'zod';
import { defineTool, type ToolImplementation } from '../common/tools/define-tool';
import type { Timeline } from './timeline';

export const BENCH_TOOL = 'bench_noop';

export const BenchToolArgsSchema = z.object({ bytes: z.number().int().min(0).max(1_000_000) });

/** The text a no-op returns: a short token, or exactly `bytes` characters when a scenario wants weight in history. */
export function filler(bytes: number): string {
  return bytes > 0 ? 'x'.repeat(bytes) : 'ok';
}

/** A read-class tool that does nothing, so a reins step costs only what reins and Temporal add around it. */
export function benchTool(timeline: Timeline): ToolImplementation {
  return defineTool({
    name: BENCH_TOOL,
    description: 'Does nothing and returns `bytes` characters.',
    class: 'read',
    schema: BenchToolArgsSchema,
    async execute(args, context) {
      timeline.record('tool', context.runId);
      return filler(args.bytes);
    },
  });
}
