import { ApplicationFailure } from '@temporalio/activity';
import OpenAI from 'openai';
import { ErrorType } from '../../common/errors';
import {
  DEFAULT_PROVIDER_ALIASES,
  providerTaskQueue,
  type ProviderConfig,
  type ProviderFacts,
} from '../../common/providers';
import type { SecretResolver } from '../secrets/secret-resolver';
import { ownValue } from '../../common/own';

export interface ProviderClient {
  /** The label shown in summaries, state and traces. */
  label: string;
  openai: OpenAI;
}

export interface ProviderRegistryOptions {
  providers: ProviderConfig[];
  /** The worker's own client (OPENAI_*), reachable as `default` and `openai` unless the file defines those names. */
  defaultClient?: ProviderClient;
  secrets: SecretResolver;
  /** The worker's main task queue; a rate-limited provider's queue is derived from it. */
  taskQueue: string;
  env?: NodeJS.ProcessEnv;
}

/** Temporal owns the retries, so the SDK must not retry as well. */
export function openAiClient(options: { apiKey: string; baseURL?: string; headers?: Record<string, string> }): OpenAI {
  return new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    defaultHeaders: options.headers,
    maxRetries: 0,
    timeout: 10 * 60_000,
  });
}

/** One OpenAI-compatible client per configured provider, built on first use with its key resolved by name. */
export class ProviderRegistry {
  private readonly configs = new Map<string, ProviderConfig>();
  private readonly clients = new Map<string, ProviderClient>();

  constructor(private readonly options: ProviderRegistryOptions) {
    for (const provider of options.providers) this.configs.set(provider.name, provider);
  }

  names(): string[] {
    return [...this.configs.keys()];
  }

  private isDefault(name: string): boolean {
    return !this.configs.has(name) && DEFAULT_PROVIDER_ALIASES.includes(name);
  }

  /**
   * The label a call to `name` answers as (the worker's own client when `name` is absent or a default alias), known
   * before the call and whether or not it succeeds; an unknown provider keeps the name it was asked by.
   */
  label(name: string | undefined): string | undefined {
    if (name === undefined || this.isDefault(name)) return this.options.defaultClient?.label ?? name;
    return name;
  }

  /** The client for a provider; a missing key fails non-retryably naming the variable or secret, never a value. */
  client(name: string): ProviderClient {
    if (this.isDefault(name) && this.options.defaultClient) return this.options.defaultClient;
    const cached = this.clients.get(name);
    if (cached) return cached;
    const config = this.configs.get(name);
    if (!config) {
      const known = [...this.configs.keys(), ...(this.options.defaultClient ? DEFAULT_PROVIDER_ALIASES : [])];
      throw ApplicationFailure.nonRetryable(
        `provider "${name}" is not configured on this worker (known: ${known.join(', ') || 'none'})`,
        ErrorType.ProviderUnknown,
      );
    }
    const client = { label: config.name, openai: openAiClient({ ...config, apiKey: this.apiKey(config) }) };
    this.clients.set(name, client);
    return client;
  }

  private apiKey(config: ProviderConfig): string {
    if (config.apiKeySecret) return this.options.secrets.resolve({ secret: config.apiKeySecret });
    if (config.apiKeyEnv) {
      const value = ownValue(this.options.env ?? process.env, config.apiKeyEnv);
      if (!value) {
        throw ApplicationFailure.nonRetryable(
          `provider ${config.name}: environment variable ${config.apiKeyEnv} (its API key) is not set`,
          ErrorType.SecretMissing,
        );
      }
      return value;
    }
    // Local OpenAI-compatible servers need no key, but the SDK insists on one.
    return 'not-needed';
  }

  /** What routing needs to know about a provider; unknown providers are reported, not thrown. */
  facts(name: string): ProviderFacts {
    if (this.isDefault(name)) return { provider: name, known: this.options.defaultClient !== undefined, models: {} };
    const config = this.configs.get(name);
    if (!config) return { provider: name, known: false, models: {} };
    return {
      provider: name,
      known: true,
      ...(config.rateLimitPerSecond ? { taskQueue: providerTaskQueue(this.options.taskQueue, name) } : {}),
      models: Object.fromEntries(
        config.models.map((model) => [
          model.name,
          {
            capabilities: model.capabilities,
            ...(model.contextWindow ? { contextWindow: model.contextWindow } : {}),
            ...(model.prices ? { prices: model.prices } : {}),
          },
        ]),
      ),
    };
  }

  /** Providers whose calls are rate limited, with their queue and rate. */
  rateLimited(): Array<{ name: string; taskQueue: string; perSecond: number }> {
    return [...this.configs.values()].flatMap((config) =>
      config.rateLimitPerSecond
        ? [
            {
              name: config.name,
              taskQueue: providerTaskQueue(this.options.taskQueue, config.name),
              perSecond: config.rateLimitPerSecond,
            },
          ]
        : [],
    );
  }
}
