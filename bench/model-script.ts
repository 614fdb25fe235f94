import type { ScriptFn, ScriptTurn } from '../testing/scripted-model';
import { BENCH_TOOL, BENCH_WRITE_TOOL } from './bench-tool';
import type { Timeline } from './timeline';

/** What one benchmark run asks of the scripted model; carried in the run's prompt, so every run is self-describing. */
export interface RunPlan {
  runId: string;
  /** Tool-calling turns before the final answer. */
  steps: number;
  /** Size of each tool output; with `write`, the size of the file each step adds to the workspace. */
  bytes: number;
  /** Call `bench_write` (a file into the workspace per step) instead of the no-op. */
  write?: boolean;
}

const PREFIX = 'bench-run ';

/** The user prompt for a plan; unique per run, which is also how the model side tells runs apart. */
export function benchPrompt(plan: RunPlan): string {
  return `${PREFIX}${JSON.stringify(plan)}`;
}

function planOf(messages: ReadonlyArray<{ role: string; content?: unknown }>): RunPlan | undefined {
  const prompt = messages.find((message) => message.role === 'user')?.content;
  if (typeof prompt !== 'string' || !prompt.startsWith(PREFIX)) return undefined;
  return JSON.parse(prompt.slice(PREFIX.length)) as RunPlan;
}

/** Called before the model answers after `done` finished steps; the answer waits for it (history snapshots use it). */
export type TurnHook = (plan: RunPlan, done: number) => Promise<void>;

// Fixed small usage keeps the reply cheap to build and identical however long the conversation grows.
const USAGE = { promptTokens: 10, completionTokens: 5 };
const CALL_ID = /^call_step_(\d+)$/;

/**
 * Steps finished so far, read from the id of the latest tool result (the script numbers its calls). Counting
 * assistant messages would not do: a compaction folds old turns into a summary, and a retry repeats a request.
 */
function stepsDone(messages: ReadonlyArray<{ role: string; tool_call_id?: unknown }>): number {
  const last = messages[messages.length - 1];
  const match = last?.role === 'tool' && typeof last.tool_call_id === 'string' ? CALL_ID.exec(last.tool_call_id) : null;
  return match ? Number(match[1]) : 0;
}

/** The model every scenario talks to: calls the no-op tool until the plan's step count, then answers. */
export class BenchModel {
  private readonly hooks = new Map<string, TurnHook>();
  /** Set once the server exists: its request log is trimmed as the bench goes, so it cannot grow for an hour. */
  requestLog?: unknown[];

  constructor(private readonly timeline: Timeline) {}

  onTurn(runId: string, hook: TurnHook): void {
    this.hooks.set(runId, hook);
  }

  offTurn(runId: string): void {
    this.hooks.delete(runId);
  }

  readonly script: ScriptFn = async (request): Promise<ScriptTurn> => {
    if (this.requestLog && this.requestLog.length > 100) this.requestLog.splice(0);
    const plan = planOf(request.messages);
    // Anything else (a compaction's summary request) gets a short plain answer.
    if (!plan) return { reply: { content: 'Summary: the no-op tool was called repeatedly.', usage: USAGE } };
    this.timeline.record('model', plan.runId);
    const done = stepsDone(request.messages as Array<{ role: string; tool_call_id?: unknown }>);
    await this.hooks.get(plan.runId)?.(plan, done);
    if (done >= plan.steps) return { reply: { content: `done after ${done} steps`, usage: USAGE } };
    const call = plan.write
      ? { id: `call_step_${done + 1}`, name: BENCH_WRITE_TOOL, arguments: { step: done + 1, bytes: plan.bytes } }
      : { id: `call_step_${done + 1}`, name: BENCH_TOOL, arguments: { bytes: plan.bytes } };
    return { reply: { toolCalls: [call], usage: USAGE } };
  };
}
