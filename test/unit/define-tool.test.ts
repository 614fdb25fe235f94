import { z } from 'zod';
import { defineTool, ToolError, type ToolContext, type ToolImplementation } from '../../client';
import { ErrorType } from '../../common/errors';

/**
 * What `defineTool` infers is checked by `npm run typecheck`: each `@ts-expect-error` below fails the typecheck if
 * the line under it stops being an error, so a change that loosens the inferred types to `unknown` or `any` shows.
 */

const issueSchema = z.object({ key: z.string(), fields: z.array(z.string()).default([]) });
const jiraConfig = z.object({ baseUrl: z.url(), project: z.string(), maxResults: z.number().int().default(20) });

const configured = defineTool({
  name: 'jira_issue',
  description: 'Reads one issue.',
  class: 'read',
  schema: issueSchema,
  configSchema: jiraConfig,
  async execute(args, context) {
    const key: string = args.key;
    const fields: string[] = args.fields;
    const baseUrl: string = context.config.baseUrl;
    const maxResults: number = context.config.maxResults;
    // @ts-expect-error: args has no such field
    void args.summary;
    // @ts-expect-error: the config schema has no such field
    void context.config.token;
    // @ts-expect-error: a string field is not a number
    const wrong: number = context.config.project;
    return { key, fields, baseUrl, maxResults, wrong };
  },
  classify(args, config) {
    const project: string = config.project;
    // @ts-expect-error: classify gets the parsed config too
    void config.missing;
    return args.key.startsWith(project) ? 'read' : 'destructive';
  },
});

const plain = defineTool({
  name: 'echo',
  description: 'Echoes.',
  class: 'read',
  schema: z.object({ text: z.string() }),
  async execute({ text }, context) {
    // Without a configSchema, the config is the object as written, or undefined.
    const raw: Record<string, unknown> | undefined = context.config;
    // @ts-expect-error: possibly undefined without a schema
    void context.config.anything;
    // @ts-expect-error: args are inferred from the schema
    const length: string = text.length;
    return `${text} ${String(raw)} ${length}`;
  },
});

defineTool({
  name: 'bad_result',
  description: 'x',
  class: 'read',
  schema: z.object({}),
  // @ts-expect-error: a function is not a tool result
  async execute() {
    return () => 1;
  },
});

defineTool({
  name: 'sync_structured',
  description: 'Structured data, returned synchronously.',
  class: 'read',
  schema: z.object({ n: z.number() }),
  execute: ({ n }) => ({ n, list: [1, 'a', null, true], nested: { ok: true } }),
});

describe('defineTool', () => {
  test('returns the tool as given, with its type parameters erased for the worker registry', () => {
    const tools: ToolImplementation[] = [configured, plain];
    expect(tools.map((tool) => tool.name)).toEqual(['jira_issue', 'echo']);
    expect(configured.configSchema).toBe(jiraConfig);
    expect(configured.schema).toBe(issueSchema);
  });

  test('refuses a name providers would not accept, when the tool is defined', () => {
    const tool = { description: 'x', class: 'read' as const, schema: z.object({}), execute: () => 'x' };
    expect(() => defineTool({ ...tool, name: 'has space' })).toThrow(/tool name "has space" is invalid/);
    expect(() => defineTool({ ...tool, name: '' })).toThrow(TypeError);
    expect(() => defineTool({ ...tool, name: 'x'.repeat(65) })).toThrow(/1-64 letters/);
  });

  test('execute sees the parsed config as the worker passes it', async () => {
    const context: ToolContext<z.output<typeof jiraConfig>> = {
      runId: 'r',
      callId: '1-1',
      userId: 'u',
      idempotencyKey: 'r/1-1',
      attempt: 1,
      earlierAttemptStarted: false,
      workspace: '/nonexistent',
      config: jiraConfig.parse({ baseUrl: 'https://jira.example.com', project: 'OPS' }),
      signal: new AbortController().signal,
      heartbeat: () => undefined,
    };
    const run = configured.execute as (args: unknown, context: ToolContext<unknown>) => Promise<unknown>;
    await expect(run(issueSchema.parse({ key: 'OPS-1' }), context)).resolves.toMatchObject({
      key: 'OPS-1',
      baseUrl: 'https://jira.example.com',
      maxResults: 20,
    });
  });

  test('ToolError carries a type from the registry, ToolError by default', () => {
    expect(new ToolError('nope')).toMatchObject({ name: 'ToolError', type: ErrorType.ToolError, message: 'nope' });
    expect(new ToolError('gone', ErrorType.NotFound).type).toBe('NotFound');
  });
});
