import type { RunInput } from '../common/run-input';
import type { RunResult } from '../common/run-state';
import { AgentRunner } from './run/agent-runner';
import type { RunCarry } from './run/run-carry';

/**
 * One agent run: call the model, run the tools it asks for (after validation, policy and approval), feed results
 * back, stop on an answer or a budget. The run's state and its steps live in AgentRunner (workflows/run/); decisions
 * live in pure modules beside it, and every side effect is an activity. Long runs continue as new with `carry`,
 * under the same workflow id.
 */
export async function agentRun(input: RunInput, carry?: RunCarry): Promise<RunResult> {
  const run = new AgentRunner(input, carry);
  run.registerHandlers();
  return run.run();
}
