import { z } from 'zod';
import { defineTool, ToolError } from 'reins/worker';

/**
 * The team's own tool: files a ticket in its tracker. Here the tracker is a map in the worker's memory; a real one
 * would call the tracker's API with `context.idempotencyKey`, so a retried call never files the ticket twice.
 */
const filed = new Map<string, { id: string; project: string; title: string; priority: string }>();

export const openTicket = defineTool({
  name: 'open_ticket',
  description: 'Files a ticket in the team tracker and returns it.',
  // Filing a ticket changes the world: with the agent's `approval: always`, a person approves each call first.
  class: 'write',
  schema: z.object({
    title: z.string().min(1).max(200),
    priority: z.enum(['low', 'normal', 'urgent']).default('normal'),
  }),
  // Each agent that uses the tool says which project its tickets go to; checked when a run starts.
  configSchema: z.object({ project: z.string().regex(/^[A-Z]{2,10}$/, 'project keys are 2-10 capital letters') }),
  idempotent: true,
  async execute(args, context) {
    if (args.title.toLowerCase().includes('password')) {
      throw new ToolError('tickets must not carry credentials; describe the problem instead');
    }
    const existing = filed.get(context.idempotencyKey);
    if (existing) return existing;
    const ticket = { id: `${context.config.project}-${filed.size + 1}`, project: context.config.project, ...args };
    filed.set(context.idempotencyKey, ticket);
    // Structured data: the model reads it as JSON.
    return ticket;
  },
});
