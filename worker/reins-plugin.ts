import type { ClientOptions } from '@temporalio/client';
import { SimplePlugin } from '@temporalio/plugin';
import type { BundleOptions, ReplayWorkerOptions, Worker, WorkerOptions } from '@temporalio/worker';
import { WorkerConfigError } from '../common/worker-config-error';
import { WORKER_PAYLOAD_CONVERTER_PATH } from '../shared/payload-storage';
import { PAYLOAD_GUARD_WORKFLOW_MODULE } from './bundle-options';
import { loadWorkerConfig } from './config';
import { createProviderWorkers, runAlongside, type WorkerTarget } from './provider-workers';
import { prepareReins, type ReinsParts, type ReinsSetupOptions } from './reins-setup';
import { resolveFromSdk, withReinsWorkflows } from './workflow-entry';

export interface ReinsPluginOptions extends Omit<ReinsSetupOptions, 'config'> {
  /** reins' settings (model, data directory, sandbox, policy...); read from the environment when unset. */
  config?: ReinsSetupOptions['config'];
}

/**
 * reins on a Temporal worker someone else builds: `Worker.create({ ..., plugins: [await ReinsPlugin.create()] })`
 * adds reins' workflows, activities, data converter and workflow interceptors beside the worker's own. Created
 * through `create` because the activities need a start-up check first (workspace sweep, policy and roles files).
 * On a Temporal `Client` it sets the same data converter (claim-check store, encryption), in its client role.
 */
export class ReinsPlugin extends SimplePlugin {
  private readonly targets = new Map<string, WorkerTarget>();
  private running = 0;

  /** Prepares reins' activities; fails now (WorkerConfigError) on a missing policy file, roles file or secrets. */
  static async create(options: ReinsPluginOptions = {}): Promise<ReinsPlugin> {
    const parts = await prepareReins({ ...options, config: options.config ?? loadWorkerConfig() });
    return new ReinsPlugin(parts);
  }

  private constructor(private readonly parts: ReinsParts) {
    const telemetry = parts.telemetry?.workerOptions(false, { providerName: (name) => parts.providers.label(name) });
    super({
      name: 'reins',
      // A fresh converter per worker: the tolerant decoding keeps per-converter state.
      dataConverter: (existing) => ({ ...existing, ...parts.dataConverter('worker') }),
      activities: parts.activities,
      workerInterceptors: {
        ...telemetry?.interceptors,
        // Without the guard, an undecodable signal would fail the workflow task again and again.
        workflowModules: [PAYLOAD_GUARD_WORKFLOW_MODULE, ...(telemetry?.interceptors?.workflowModules ?? [])],
      },
    });
  }

  /**
   * What a log line shows of the plugin. The SDK logs a worker's options, plugins included, at creation; the plugin
   * holds the model clients (with their keys) and the secret resolver, which must never reach a log, and which do not
   * serialise anyway (the SDK clients are circular).
   */
  toJSON(): { plugin: string } {
    return { plugin: this.name };
  }

  /** The task queues this plugin's provider workers poll: it configures no worker of its own a second time. */
  private providerQueues(): Set<string> {
    return new Set(this.parts.providers.rateLimited().map((queue) => queue.taskQueue));
  }

  override configureWorker(options: WorkerOptions): WorkerOptions {
    if (this.providerQueues().has(options.taskQueue)) return options;
    if (this.parts.providers.rateLimited().length > 0 && options.taskQueue !== this.parts.taskQueue) {
      // The workflow sends a rate-limited provider's calls to a queue named after the configured one.
      throw new WorkerConfigError(
        `reins is configured for task queue "${this.parts.taskQueue}" (its rate-limited providers' queues are named ` +
          `after it), but the worker polls "${options.taskQueue}": set the config's taskQueue to the worker's`,
      );
    }
    this.targets.set(options.taskQueue, {
      ...(options.connection ? { connection: options.connection } : {}),
      ...(options.namespace ? { namespace: options.namespace } : {}),
    });
    const configured = super.configureWorker(withWorkflows(options));
    const sinks = this.parts.telemetry?.workerOptions(options.workflowBundle !== undefined).sinks;
    return sinks ? { ...configured, sinks: { ...configured.sinks, ...sinks } } : configured;
  }

  override configureReplayWorker(options: ReplayWorkerOptions): ReplayWorkerOptions {
    return super.configureReplayWorker(withWorkflows(options));
  }

  /** For `bundleWorkflowCode({ workflowsPath, plugins: [plugin] })`: the bundle a reins worker needs, built ahead. */
  override configureBundler(options: BundleOptions): BundleOptions {
    const configured = super.configureBundler({
      ...options,
      workflowsPath: withReinsWorkflows(options.workflowsPath),
      payloadConverterPath: options.payloadConverterPath ?? WORKER_PAYLOAD_CONVERTER_PATH,
      webpackConfigHook: resolveFromSdk(options.webpackConfigHook),
    });
    // Worker.create passes the modules it already has and this plugin's again; the bundle needs each once.
    return { ...configured, workflowInterceptorModules: [...new Set(configured.workflowInterceptorModules ?? [])] };
  }

  override configureClient(options: ClientOptions): ClientOptions {
    return { ...options, dataConverter: { ...options.dataConverter, ...this.parts.dataConverter('client') } };
  }

  /** Runs the provider queues' workers beside the worker; MCP servers and spans are closed when the last one stops. */
  override async runWorker(worker: Worker, next: (w: Worker) => Promise<void>): Promise<void> {
    const target = this.targets.get(worker.options.taskQueue);
    if (target === undefined) return next(worker);
    const providerWorkers = await createProviderWorkers(this.parts, target);
    this.running += 1;
    // Runs ending on this worker sweep now and then; a worker that ends none (its runs end elsewhere) still must not
    // keep expired workspaces and copies until its next start.
    const sweeping = setInterval(() => void this.parts.sweep(), this.parts.sweepEveryMs);
    sweeping.unref();
    try {
      await runAlongside(() => super.runWorker(worker, next), providerWorkers);
    } finally {
      clearInterval(sweeping);
      this.running -= 1;
      if (this.running === 0) await Promise.all([this.parts.mcpPool.close(), this.parts.telemetry?.flush()]);
    }
  }
}

/** reins' workflows beside the worker's own, unless the worker runs a bundle built ahead (which must have them). */
function withWorkflows<T extends Pick<WorkerOptions, 'workflowsPath' | 'workflowBundle' | 'bundlerOptions'>>(
  options: T,
): T {
  if (options.workflowBundle !== undefined) return options;
  return {
    ...options,
    workflowsPath: withReinsWorkflows(options.workflowsPath),
    bundlerOptions: {
      ...options.bundlerOptions,
      webpackConfigHook: resolveFromSdk(options.bundlerOptions?.webpackConfigHook),
    },
  };
}
