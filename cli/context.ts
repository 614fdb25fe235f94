import type { Command } from 'commander';
import { z } from 'zod';
import { DEFAULT_CONNECT_TIMEOUT, DEFAULT_TASK_QUEUE, DEFAULT_UI_URL } from '../common/task-queues';
import type * as ReinsClientModule from '../client/reins-client';
import type { ReinsClient } from '../client/reins-client';
import type { TemporalConnectionSource } from '../shared/temporal-connection';
import { TemporalAddressSchema } from '../shared/temporal-settings';
import { parseFlags } from './flags';
import { DurationSchema } from '../common/duration';
import { Output, type CliIo } from './output';

const path = z.string().min(1, 'must name a file');
/** Unset connection flags leave the setting to TEMPORAL_* and the profile: flags win only when given. */
const GlobalOptionsSchema = z.object({
  address: TemporalAddressSchema.optional(),
  namespace: z.string().min(1).optional(),
  apiKey: z.string().min(1).optional(),
  tls: z.boolean().optional(),
  tlsCertPath: path.optional(),
  tlsKeyPath: path.optional(),
  tlsCaPath: path.optional(),
  tlsServerName: z.string().min(1).optional(),
  tlsDisableHostVerification: z.boolean().optional(),
  profile: z.string().min(1).optional(),
  configFile: path.optional(),
  envFile: path.optional(),
  taskQueue: z.string().min(1),
  connectTimeout: DurationSchema,
  json: z.boolean().default(false),
});
export type GlobalOptions = z.output<typeof GlobalOptionsSchema>;

/**
 * Defaults for reins' own global options: the environment first, then the standard local setup. The connection's
 * (address, namespace, TLS) have none here: the Temporal settings resolve them, and a default would hide the profile.
 */
export function globalDefaults(env: NodeJS.ProcessEnv): { taskQueue: string; connectTimeout: string } {
  return {
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

  /** The connection flags over TEMPORAL_* (this CLI's environment) over the profile, as the Temporal CLI does. */
  temporalSource(): TemporalConnectionSource & { env: NodeJS.ProcessEnv } {
    const { profile, configFile, address, namespace, apiKey, tls, tlsCertPath, tlsKeyPath, tlsCaPath } = this.options;
    const { tlsServerName, tlsDisableHostVerification } = this.options;
    const overrides = { address, namespace, apiKey, tls, tlsCertPath, tlsKeyPath, tlsCaPath, tlsServerName };
    return {
      env: this.io.env,
      ...(profile !== undefined ? { profile } : {}),
      ...(configFile !== undefined ? { configFile } : {}),
      overrides: Object.fromEntries(
        Object.entries({ ...overrides, tlsDisableHostVerification }).filter(([, value]) => value !== undefined),
      ),
    };
  }

  reins(): Promise<ReinsClient> {
    // The client and the Temporal SDK take a few hundred ms to load; commands that never reach the server skip that.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ReinsClient } = require('../client/reins-client') as typeof ReinsClientModule;
    this.client ??= ReinsClient.connect({
      ...this.temporalSource(),
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
