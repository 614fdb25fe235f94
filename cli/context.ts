import type { Command } from 'commander';
import { z } from 'zod';
import {
  DEFAULT_CONNECT_TIMEOUT,
  DEFAULT_NAMESPACE,
  DEFAULT_TASK_QUEUE,
  DEFAULT_TEMPORAL_ADDRESS,
  DEFAULT_UI_URL,
} from '../common/task-queues';
import type * as ReinsClientModule from '../client/reins-client';
import type { ReinsClient } from '../client/reins-client';
import { parseFlags } from './flags';
import { DurationSchema } from '../common/duration';
import { Output, type CliIo } from './output';

const GlobalOptionsSchema = z.object({
  address: z.string().min(1),
  namespace: z.string().min(1),
  taskQueue: z.string().min(1),
  connectTimeout: DurationSchema,
  json: z.boolean().default(false),
});
export type GlobalOptions = z.output<typeof GlobalOptionsSchema>;

/** Defaults for the global options: the environment first, then the standard local setup. */
export function globalDefaults(env: NodeJS.ProcessEnv): {
  address: string;
  namespace: string;
  taskQueue: string;
  connectTimeout: string;
} {
  return {
    address: env.TEMPORAL_ADDRESS || DEFAULT_TEMPORAL_ADDRESS,
    namespace: env.TEMPORAL_NAMESPACE || DEFAULT_NAMESPACE,
    taskQueue: env.REINS_TASK_QUEUE || DEFAULT_TASK_QUEUE,
    connectTimeout: env.REINS_CONNECT_TIMEOUT || DEFAULT_CONNECT_TIMEOUT,
  };
}

/** What every command gets: the global options, the output and a lazily connected client. */
export class CliContext {
  readonly out: Output;
  private client?: Promise<ReinsClient>;

  constructor(
    readonly options: GlobalOptions,
    readonly io: CliIo,
  ) {
    this.out = new Output(io, options.json);
  }

  static fromCommand(command: Command, io: CliIo): CliContext {
    return new CliContext(parseFlags(GlobalOptionsSchema, command.optsWithGlobals()), io);
  }

  reins(): Promise<ReinsClient> {
    // The client and the Temporal SDK take a few hundred ms to load; commands that never reach the server skip that.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ReinsClient } = require('../client/reins-client') as typeof ReinsClientModule;
    this.client ??= ReinsClient.connect({
      address: this.options.address,
      namespace: this.options.namespace,
      taskQueue: this.options.taskQueue,
      connectTimeoutMs: this.options.connectTimeout,
    });
    return this.client;
  }

  uiUrl(runId: string, reins: ReinsClient): string {
    return reins.webUiUrl(runId, this.io.env.REINS_UI_URL || DEFAULT_UI_URL);
  }

  async close(): Promise<void> {
    const client = await this.client?.catch(() => undefined);
    await client?.close();
  }
}

export type Handler = (ctx: CliContext, args: string[], options: Record<string, unknown>) => Promise<number | void>;

/**
 * Adapts a command's handler to commander's action signature and records its exit code. `load` brings in the handler
 * and everything it needs only when the command runs, so `--help` and the other commands never pay for it.
 */
export function actionRunner(io: CliIo, exit: { code: number }) {
  return (load: () => Handler) =>
    async (...raw: unknown[]): Promise<void> => {
      const command = raw.at(-1) as Command;
      const ctx = CliContext.fromCommand(command, io);
      try {
        exit.code = (await load()(ctx, raw.slice(0, -2) as string[], command.opts())) ?? 0;
      } finally {
        await ctx.close();
      }
    };
}
export type ActionRunner = ReturnType<typeof actionRunner>;
