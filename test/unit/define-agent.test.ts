import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { z } from 'zod';
import { AgentFileError, AgentSpecError, defineAgent, defineTool, loadAgentFile, ReinsClientError } from '../../client';
import { AgentSpecSchema, type AgentSpecInput } from '../../common/agent-spec';
import type { RunInputArgs } from '../../common/run-input';

const triage: AgentSpecInput = {
  name: 'triage',
  instructions: 'Sort incoming tickets by urgency.',
  model: { name: 'gpt-4o-mini' },
  tools: [{ name: 'ticket_lookup', config: { baseUrl: 'https://tickets.example.com', project: 'OPS' } }],
};

describe('defineAgent', () => {
  test('returns the spec as the schema parses it, defaults filled in, ready to start a run with', () => {
    const agent = defineAgent(triage);
    expect(agent).toEqual(AgentSpecSchema.parse(triage));
    expect(agent).toMatchObject({ workspace: 'run', mcpServers: [], model: { contextWindow: 128_000 } });
    expect(agent.tools[0]).toMatchObject({ name: 'ticket_lookup', approval: 'default' });
    // The parsed spec is a valid input again: what defineAgent returns goes straight into startRun.
    const input: Pick<RunInputArgs, 'spec'> = { spec: agent };
    expect(defineAgent(input.spec)).toEqual(agent);
  });

  test('a defined tool is referred to by its name', () => {
    const tool = defineTool({
      name: 'ticket_lookup',
      description: 'Looks a ticket up.',
      class: 'read',
      schema: z.object({ key: z.string() }),
      configSchema: z.object({ baseUrl: z.url(), project: z.string() }),
      execute: async ({ key }, { config }) => `${config.baseUrl}/browse/${key}`,
    });
    const agent = defineAgent({ ...triage, tools: [{ name: tool.name, approval: 'never', config: {} }] });
    expect(agent.tools.map((entry) => entry.name)).toEqual(['ticket_lookup']);
  });

  test('an invalid spec throws AgentSpecError naming the agent and each bad field', () => {
    const bad = {
      ...triage,
      maxSteps: 0,
      model: { name: '' },
      tools: [{ name: 'http_request', config: { hosts: [] } }, { name: 'bad name' }],
      maxStep: 3,
    } as unknown as AgentSpecInput;
    let thrown: unknown;
    try {
      defineAgent(bad);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AgentSpecError);
    expect(thrown).toBeInstanceOf(ReinsClientError);
    const message = (thrown as Error).message;
    expect(message).toMatch(/^agent "triage" is invalid: /);
    for (const field of ['model.name: ', 'maxSteps: ', 'tools.0.config.hosts: ', 'tools.1.name: ']) {
      expect(message).toContain(field);
    }
    expect(message).toContain('Unrecognized key: "maxStep"');
  });

  test('anything at all is refused with a typed error, never a crash', () => {
    for (const value of [null, undefined, 7, 'agent', [], { name: 42 }, { name: 'x'.repeat(10_000) }]) {
      expect(() => defineAgent(value as never)).toThrow(AgentSpecError);
    }
    expect(() => defineAgent(null as never)).toThrow(/^agent spec is invalid: \(root\): /);
    expect(() => defineAgent({ name: 'x'.repeat(10_000) } as never)).toThrow(/^agent spec is invalid: name: /);
  });

  test('an agent file goes through the same check and names the same fields', async () => {
    const bad = { ...triage, maxSteps: 0, tools: [{ name: 'sql', config: { connection: 'postgres://u:p@h/db' } }] };
    const dir = mkdtempSync(path.join(os.tmpdir(), 'reins-define-agent-'));
    const file = path.join(dir, 'triage.yaml');
    writeFileSync(file, stringify(bad));
    const fromFile = await loadAgentFile(file).catch((error: unknown) => error as Error);
    expect(fromFile).toBeInstanceOf(AgentFileError);
    let fromCode = '';
    try {
      defineAgent(bad as AgentSpecInput);
    } catch (error) {
      fromCode = (error as Error).message;
    }
    const problems = (message: string) => message.replace(/^.*? is invalid: /, '');
    expect(problems(fromCode)).toBe(problems((fromFile as Error).message));
    expect(problems(fromCode)).toContain('maxSteps: ');
    expect(problems(fromCode)).toContain('tools.0.config.connection');
    // A valid spec reads back from a file as the same parsed spec.
    writeFileSync(file, stringify(triage));
    await expect(loadAgentFile(file)).resolves.toEqual(defineAgent(triage));
  });
});
