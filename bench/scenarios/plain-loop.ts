import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { toProviderTools } from '../../activities/model/model-activities';
import { toolDefinition } from '../../activities/tools/registry';
import type { BenchEnv } from '../bench-env';
import { BENCH_TOOL, benchTool } from '../bench-tool';
import { benchPrompt, type RunPlan } from '../model-script';
import type { BenchOptions } from '../options';
import { row, type ScenarioResult } from '../report';
import { runReins, timed, uniqueId } from '../runs';
import { median, round } from '../stats';
import { Timeline } from '../timeline';

/**
 * The same conversation without Temporal: the `openai` SDK against the same scripted server, the same no-op tool
 * called in-process, the transcript in a local array. What is left between this and reins is what durability costs.
 */
async function plainLoop(openai: OpenAI, plan: RunPlan): Promise<void> {
  const tool = benchTool(new Timeline());
  const tools = toProviderTools([toolDefinition(tool)]);
  const messages: ChatCompletionMessageParam[] = [
    { role: 'system', content: 'Call the no-op tool until told otherwise.' },
    { role: 'user', content: benchPrompt(plan) },
  ];
  const controller = new AbortController();
  for (let step = 0; step <= plan.steps + 1; step++) {
    const completion = await openai.chat.completions.create({ model: 'scripted-bench', messages, tools });
    const message = completion.choices[0]?.message;
    if (!message) throw new Error('the scripted model answered without a message');
    const calls = (message.tool_calls ?? []).flatMap((call) => (call.type === 'function' ? [call] : []));
    messages.push({ role: 'assistant', content: message.content, ...(calls.length ? { tool_calls: calls } : {}) });
    if (calls.length === 0) return;
    for (const call of calls) {
      if (call.function.name !== BENCH_TOOL) throw new Error(`unexpected tool ${call.function.name}`);
      const args = tool.schema.parse(JSON.parse(call.function.arguments));
      const output = await tool.execute(args, {
        runId: plan.runId,
        callId: call.id,
        userId: 'bench',
        idempotencyKey: `${plan.runId}/${call.id}`,
        attempt: 1,
        earlierAttemptStarted: false,
        workspace: '',
        config: undefined,
        signal: controller.signal,
        heartbeat: () => undefined,
      });
      messages.push({
        role: 'tool',
        tool_call_id: call.id,
        content: typeof output === 'string' ? output : JSON.stringify(output),
      });
    }
  }
  throw new Error(`the plain loop did not finish within ${plan.steps + 1} model calls`);
}

/**
 * Per-step time of reins against the plain in-process loop. Reuses scenario 1's reins runs when that scenario ran
 * in this process (same steps, same machine state), so the ratio compares runs taken minutes apart, not hours.
 */
export async function againstPlainLoop(
  env: BenchEnv,
  options: BenchOptions,
  reinsRunMs?: readonly number[],
): Promise<ScenarioResult> {
  const started = Date.now();
  const { steps, reps } = options;
  const openai = new OpenAI({ apiKey: 'bench', baseURL: env.model.url, maxRetries: 0 });
  const loopMs: number[] = [];
  const ownReinsMs: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    loopMs.push(await timed(() => plainLoop(openai, { runId: uniqueId('loop'), steps, bytes: 0 })));
    if (!reinsRunMs) ownReinsMs.push(await timed(() => runReins(env, { steps, bytes: 0 })));
  }
  const reinsMs = reinsRunMs ?? ownReinsMs;
  const reinsStep = median(reinsMs) / steps;
  const loopStep = median(loopMs) / steps;
  return {
    id: 6,
    name: 'vs plain in-process loop',
    baseline: 'openai SDK loop against the same scripted server, same no-op tool, no Temporal',
    rows: [
      row('per-step latency, median run', 'ms', reinsStep, loopStep),
      row('durability cost per step (reins − loop)', 'ms', reinsStep - loopStep),
    ],
    params: { steps, reps, reinsSamplesFrom: reinsRunMs ? 'scenario 1' : 'this scenario' },
    samples: { loopRunMs: loopMs.map((ms) => round(ms)), reinsRunMs: reinsMs.map((ms) => round(ms)) },
    durationMs: Date.now() - started,
  };
}
