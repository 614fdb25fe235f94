import { defineAgent } from 'reins';

/** The agent, in code: the same fields as an agent YAML file, checked by the same schema when this module loads. */
export const supportDesk = defineAgent({
  name: 'support-desk',
  description: 'Turns a user report into a ticket; a person approves every ticket before it is filed.',
  instructions:
    'You triage support reports. File exactly one ticket with a short, specific title, then answer with its id.',
  model: { name: process.env.SUPPORT_DESK_MODEL ?? 'gpt-4o-mini', temperature: 0 },
  tools: [{ name: 'open_ticket', approval: 'always', config: { project: 'OPS' } }],
  maxSteps: 6,
});
