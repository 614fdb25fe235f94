import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { DurationSchema } from './duration';
import { ModelPriceSchema, type ModelPrice } from './pricing';
import { reportDuplicateNames } from './zod-issues';

/** The provider every worker has: the OpenAI client from OPENAI_BASE_URL / OPENAI_API_KEY. `openai` is an alias. */
export const DEFAULT_PROVIDER = 'default';
export const DEFAULT_PROVIDER_ALIASES: readonly string[] = [DEFAULT_PROVIDER, 'openai'];

const PROVIDER_NAME = /^[a-z0-9][a-z0-9_-]{0,47}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const ProviderNameSchema = z
  .string()
  .regex(PROVIDER_NAME, 'provider names are 1-48 lower-case letters, digits, _ or -, starting alnum');

export const ModelCapabilitiesSchema = z.strictObject({
  /** Accepts function tools. */
  tools: z.boolean().default(true),
  /** Honours `response_format` JSON output. */
  jsonOutput: z.boolean().default(false),
});
export type ModelCapabilities = z.output<typeof ModelCapabilitiesSchema>;

export const ProviderModelSchema = z.strictObject({
  /** The model id sent to this provider. */
  name: z.string().min(1),
  contextWindow: z.number().int().min(1024).optional(),
  /** USD per million tokens; the run's price table wins when it has the model. */
  prices: ModelPriceSchema.optional(),
  capabilities: ModelCapabilitiesSchema.prefault({}),
});
export type ProviderModel = z.output<typeof ProviderModelSchema>;

export const ProviderConfigSchema = z
  .strictObject({
    name: ProviderNameSchema,
    baseURL: z.url(),
    /** The environment variable holding the API key (its name, never the key). */
    apiKeyEnv: z.string().regex(ENV_NAME, 'an environment variable name').optional(),
    /** The secret holding the API key, resolved from the worker's secret sources. */
    apiKeySecret: z.string().min(1).optional(),
    /** Extra HTTP headers sent with every request (e.g. OpenRouter's HTTP-Referer). */
    headers: z.record(z.string().min(1), z.string()).default({}),
    /** Requests per second across every worker; model calls then go through the provider's own task queue. */
    rateLimitPerSecond: z.number().positive().optional(),
    models: z.array(ProviderModelSchema).default([]),
  })
  .superRefine((provider, ctx) => {
    if (provider.apiKeyEnv && provider.apiKeySecret) {
      ctx.addIssue({ code: 'custom', path: ['apiKeySecret'], message: 'give apiKeyEnv or apiKeySecret, not both' });
    }
    const seen = new Set<string>();
    provider.models.forEach((model, index) => {
      if (seen.has(model.name)) {
        ctx.addIssue({ code: 'custom', path: ['models', index, 'name'], message: `model "${model.name}" twice` });
      }
      seen.add(model.name);
    });
  });
export type ProviderConfig = z.output<typeof ProviderConfigSchema>;
export type ProviderConfigInput = z.input<typeof ProviderConfigSchema>;

export const ProvidersFileSchema = z
  .strictObject({ providers: z.array(ProviderConfigSchema).min(1) })
  .superRefine((file, ctx) => reportDuplicateNames(ctx, file.providers, 'providers', 'provider'));

/** The task queue a rate-limited provider's model calls run on; the server enforces the rate across workers. */
export function providerTaskQueue(baseQueue: string, provider: string): string {
  return `${baseQueue}-model-${provider}`;
}

/** What the worker knows about one provider, as the workflow needs it for routing. */
export interface ProviderFacts {
  provider: string;
  /** False when no worker configuration names this provider. */
  known: boolean;
  /** Set when the provider is rate limited: model calls go to this queue. */
  taskQueue?: string;
  models: Record<string, { contextWindow?: number; prices?: ModelPrice; capabilities: ModelCapabilities }>;
}

/** One finished model attempt as the provider health ledger keeps it. */
export interface ProviderOutcome {
  at: number;
  ok: boolean;
  latencyMs?: number;
  errorType?: string;
}

/** A provider's recent outcomes, newest last. */
export interface ProviderHealth {
  provider: string;
  outcomes: ProviderOutcome[];
}

/** What the workflow reads before choosing a model: the provider's facts and its recent health. */
export interface RoutingSnapshot {
  providers: Record<string, ProviderFacts & { health: ProviderOutcome[] }>;
}

export const PROVIDER_HEALTH_WORKFLOW = 'providerHealth';
export const providerHealthWorkflowId = (provider: string) => `reins-provider-health-${provider}`;

/** Adds outcomes to a provider's ledger and answers with its recent outcomes. */
export const recordProviderOutcomesUpdate = defineUpdate<ProviderHealth, [ProviderOutcome[]]>('recordOutcomes');
export const providerHealthQuery = defineQuery<ProviderHealth>('health');

export const ModelCandidateSchema = z.strictObject({
  provider: ProviderNameSchema.default(DEFAULT_PROVIDER),
  model: z.string().min(1),
  /** Overrides the provider file's window for this model. */
  contextWindow: z.number().int().min(1024).optional(),
});
export type ModelCandidate = z.output<typeof ModelCandidateSchema>;

export const RoutingStrategySchema = z.enum(['failover', 'cheapest', 'fastest']);
export type RoutingStrategy = z.output<typeof RoutingStrategySchema>;

export const ModelChoiceSchema = z.strictObject({
  /** In order of preference; `failover` tries them in this order. */
  candidates: z.array(ModelCandidateSchema).min(1),
  /** failover: in order · cheapest: lowest price among capable ones · fastest: lowest observed latency. */
  strategy: RoutingStrategySchema.default('failover'),
});
export type ModelChoice = z.output<typeof ModelChoiceSchema>;

export const ModelPolicySchema = ModelChoiceSchema.extend({
  /** Temporal attempts per candidate before the next one is tried (retry-after is honoured between them). */
  maxAttemptsPerCandidate: z.number().int().min(1).max(10).default(3),
  /** How long one attempt may take before it counts as a timeout. */
  attemptTimeout: DurationSchema.optional(),
  /** A 401/403 ends the run unless this allows moving to the next provider. */
  failoverOnAuthError: z.boolean().default(false),
  /** Capabilities every chosen model must have, beyond `tools` when the agent has tools. */
  requires: z.array(z.enum(['tools', 'jsonOutput'])).default([]),
  /** A provider is skipped after `failures` consecutive failures within `window`, until `window` has passed. */
  circuit: z
    .strictObject({
      failures: z.number().int().min(1).default(5),
      window: DurationSchema.default(60_000),
    })
    .prefault({}),
  /** Separate choices per purpose; summaries fall back to context.summaryModel, then to the main candidates. */
  purposes: z.strictObject({ summary: ModelChoiceSchema.optional() }).prefault({}),
});
export type ModelPolicy = z.output<typeof ModelPolicySchema>;
