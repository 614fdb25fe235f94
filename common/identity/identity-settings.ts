import { z } from 'zod';
import { DurationSchema } from '../duration';

const JwkSchema = z.record(z.string(), z.unknown());

/** Signature algorithms a token or signed decision may use; `none` and the HMAC family are never accepted. */
export const CREDENTIAL_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

/** An OpenID provider whose tokens vouch for users: where its keys are, what a token must say, how claims map. */
export const IdentityProviderSchema = z
  .strictObject({
    /** Names the provider in evidence and errors. */
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'provider names are 1-64 lower-case letters, digits, ., _ or -'),
    issuer: z.string().url(),
    /** The audience a token must carry (any one of these). */
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    /** Where the provider publishes its signing keys; or `jwks` inline. Exactly one. */
    jwksUrl: z.string().url().optional(),
    jwks: z.strictObject({ keys: z.array(JwkSchema).min(1) }).optional(),
    /** The claim whose value is the reins user id. */
    userClaim: z.string().min(1).default('sub'),
    /** A claim holding group names (a string or a list of strings), mapped to reins roles by `roleMap`. */
    rolesClaim: z.string().min(1).optional(),
    /** Group name in `rolesClaim` -> reins role. Groups not listed give no role. */
    roleMap: z.record(z.string(), z.string().min(1)).default({}),
    /** Refuse tokens issued longer ago than this (needs `iat`). */
    maxTokenAge: DurationSchema.optional(),
    algorithms: z.array(z.enum(CREDENTIAL_ALGORITHMS)).min(1).default(['RS256', 'ES256', 'EdDSA']),
    /** Leeway for clock differences on exp, nbf and iat. */
    clockTolerance: DurationSchema.default(30_000),
  })
  .refine((p) => (p.jwksUrl === undefined) !== (p.jwks === undefined), 'give exactly one of jwksUrl and jwks');
export type IdentityProvider = z.output<typeof IdentityProviderSchema>;

/** A public key an approver signs decisions with. */
export const ApproverKeySchema = z.strictObject({
  user: z.string().min(1).max(200),
  /** The JWS header's `kid` names the key. */
  kid: z.string().min(1).max(200),
  jwk: JwkSchema,
  /** Keys past this date are refused (ISO 8601). */
  expires: z.string().datetime({ offset: true }).optional(),
});
export type ApproverKey = z.output<typeof ApproverKeySchema>;

/** The organisation's identity settings (platform policy `identity:`): who vouches for users and approvers. */
export const IdentitySettingsSchema = z.strictObject({
  providers: z.array(IdentityProviderSchema).default([]),
  approverKeys: z.array(ApproverKeySchema).default([]),
  /** `required`: a run starts only with a credential that proves its userId. */
  requester: z.enum(['required', 'optional']).default('optional'),
});
export type IdentitySettings = z.output<typeof IdentitySettingsSchema>;

/** What a platform policy without an `identity:` section trusts: no provider and no approver key. */
export const NO_IDENTITY_SETTINGS: IdentitySettings = IdentitySettingsSchema.parse({});
