import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { defineTool, type ToolImplementation } from '../common/tools/define-tool';
import type { Timeline } from './timeline';

export const BENCH_TOOL = 'bench_noop';
export const BENCH_WRITE_TOOL = 'bench_write';

export const BenchToolArgsSchema = z.object({ bytes: z.number().int().min(0).max(1_000_000) });
export const BenchWriteArgsSchema = z.object({
  step: z.number().int().min(0),
  bytes: z.number().int().min(0).max(10_000_000),
});

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

/**
 * Hex text that gzip cannot fold away: about half its size compressed, like source files and logs rather than a
 * run of one byte. Derived from the step, so a repeated call writes the same bytes.
 */
function fileContent(step: number, bytes: number): string {
  let text = '';
  for (let block = 0; text.length < bytes; block++) {
    text += createHash('sha256').update(`${step}:${block}`).digest('hex');
  }
  return text.slice(0, bytes);
}

/**
 * A write-class tool that adds one file of `bytes` to the run's workspace per call (`step-<n>.txt`), so the
 * workspace grows as a coding agent's does. With a store other machines reach, each call ends with a snapshot.
 */
export function benchWriteTool(): ToolImplementation {
  return defineTool({
    name: BENCH_WRITE_TOOL,
    description: 'Writes one file of `bytes` characters into the workspace.',
    class: 'write',
    schema: BenchWriteArgsSchema,
    async execute(args, context) {
      await fs.writeFile(path.join(context.workspace, `step-${args.step}.txt`), fileContent(args.step, args.bytes));
      return 'ok';
    },
  });
}
