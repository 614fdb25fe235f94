import { z } from 'zod';

/**
 * A credential by name. Specs, inputs and history carry only this; activities resolve the value from the worker's
 * secret source. `perUser` resolves `<NAME>__<userId>` for the run's user instead, so a tool acts as that person.
 */
export const SecretRefSchema = z.strictObject({
  secret: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'secret names are letters, digits and _'),
  perUser: z.boolean().optional(),
});
export type SecretRef = z.output<typeof SecretRefSchema>;

/** A value that is either plain (non-secret) text or a secret reference. */
export const TextOrSecretSchema = z.union([z.string(), SecretRefSchema]);
export type TextOrSecret = z.output<typeof TextOrSecretSchema>;
