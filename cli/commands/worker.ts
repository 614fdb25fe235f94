import type { Command } from 'commander';
import type * as Action from '../actions/worker';
import type { ActionRunner } from '../context';

export function registerWorker(program: Command, run: ActionRunner): void {
  program
    .command('worker')
    .summary('run a worker that executes agent runs')
    .description(
      'Run a worker: it executes the runs on the task queue (--task-queue, default $REINS_TASK_QUEUE or "reins"), ' +
        'their model calls and their tools, until Ctrl-C. Runs are durable: stopping the worker pauses them, and any ' +
        'worker on the same task queue resumes them. The model endpoint comes from OPENAI_API_KEY / OPENAI_BASE_URL; ' +
        'workspaces live under REINS_DATA_DIR (default .reins).',
    )
    .option(
      '--max-concurrent-activities <n>',
      'model and tool calls run at once (default: $REINS_MAX_CONCURRENT_ACTIVITIES)',
    )
    .option(
      '--max-concurrent-workflow-tasks <n>',
      'workflow tasks run at once (default: $REINS_MAX_CONCURRENT_WORKFLOW_TASKS)',
    )
    .option('--verbose', "log the SDK's INFO lines too (bundling, worker state); default: warnings and errors only")
    .action(run(() => (require('../actions/worker') as typeof Action).worker));
}
