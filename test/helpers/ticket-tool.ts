import { z } from 'zod';
import { defineTool } from '../../client';

/** The worker credential the ticket tool carelessly echoes, under a name the scrubber knows as secret. */
export const TICKETS_TOKEN_NAME = 'REINS_TEST_TICKETS_TOKEN';
// A quote and a backslash, which JSON text escapes: scrubbing the serialized text alone would miss it.
export const TICKETS_TOKEN = 'tick"et\\s3cret-0123456789';

export const TicketsConfigSchema = z.strictObject({
  baseUrl: z.url(),
  project: z.string().min(1).max(10),
  limit: z.number().int().positive().max(100).default(20),
});

/** A worker tool with a typed config and a structured result, as an organisation would write one. */
export const ticketTool = defineTool({
  name: 'ticket_lookup',
  description: 'Looks a ticket up in the tracker.',
  class: 'read',
  schema: z.object({ key: z.string() }),
  configSchema: TicketsConfigSchema,
  async execute({ key }, { config }) {
    return {
      key,
      url: `${config.baseUrl}/browse/${key}`,
      project: config.project,
      limit: config.limit,
      seenWith: process.env[TICKETS_TOKEN_NAME] ?? null,
      tags: ['urgent', null, 3, true],
    };
  },
});
