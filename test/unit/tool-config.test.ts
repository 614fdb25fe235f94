import { z } from 'zod';
import { checkToolConfigs, parseToolConfig } from '../../activities/tools/tool-config';
import { defineTool } from '../../common/tools/define-tool';

const base = { description: 'x', class: 'read' as const, schema: z.object({}), execute: () => 'x' };
const jira = defineTool({
  ...base,
  name: 'jira',
  configSchema: z.strictObject({ baseUrl: z.url(), project: z.string().min(1), limit: z.number().int().default(20) }),
});
const plain = defineTool({ ...base, name: 'plain' });

describe('a worker tool config against its configSchema', () => {
  test('the parsed value, defaults filled in; a tool without a schema gets the object as written', async () => {
    await expect(parseToolConfig(jira, { baseUrl: 'https://jira.example.com', project: 'OPS' })).resolves.toEqual({
      ok: true,
      config: { baseUrl: 'https://jira.example.com', project: 'OPS', limit: 20 },
    });
    await expect(parseToolConfig(plain, { any: ['thing'] })).resolves.toEqual({ ok: true, config: { any: ['thing'] } });
    await expect(parseToolConfig(plain, undefined)).resolves.toEqual({ ok: true, config: undefined });
  });

  test('a refusal names the tool and each bad field', async () => {
    const result = await parseToolConfig(jira, { baseUrl: 'not a url', project: '', extra: 1 });
    expect(result.ok).toBe(false);
    const message = result.ok ? '' : result.message;
    expect(message).toMatch(/^tool "jira": config is invalid: /);
    expect(message).toContain('config.baseUrl: ');
    expect(message).toContain('config.project: ');
    expect(message).toContain('Unrecognized key: "extra"');
    await expect(parseToolConfig(jira, undefined)).resolves.toEqual({
      ok: false,
      message: expect.stringMatching(/^tool "jira": config is missing: config: /),
    });
  });

  test('a schema that throws or refines asynchronously, and huge keys, give a bounded message', async () => {
    const throwing = defineTool({
      ...base,
      name: 'throwing',
      configSchema: z.object({ n: z.number() }).transform(() => {
        throw new Error('transform exploded');
      }),
    });
    await expect(parseToolConfig(throwing, { n: 1 })).resolves.toEqual({
      ok: false,
      message: 'tool "throwing": config could not be checked: transform exploded',
    });
    const asyncRefined = defineTool({
      ...base,
      name: 'async_refined',
      configSchema: z.object({ n: z.number() }).refine(async (value) => value.n > 1, 'n must be over 1'),
    });
    await expect(parseToolConfig(asyncRefined, { n: 2 })).resolves.toMatchObject({ ok: true });
    await expect(parseToolConfig(asyncRefined, { n: 0 })).resolves.toMatchObject({
      ok: false,
      message: /n must be over 1/,
    });
    const huge = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`${'k'.repeat(2_000)}${i}`, i]));
    const result = await parseToolConfig(jira, huge);
    expect(result.ok ? '' : result.message).toMatch(/^tool "jira": config is invalid: .*characters omitted/s);
    expect((result.ok ? '' : result.message).length).toBeLessThanOrEqual(2_000);
  });

  test('at run start, one message per tool that fails; tools the spec does not configure are left alone', async () => {
    const problems = await checkToolConfigs(
      [jira, plain, undefined],
      [
        { name: 'jira', config: { baseUrl: 'x' } },
        { name: 'plain', config: { anything: 1 } },
      ],
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^tool "jira": config is invalid: config\.baseUrl: .*config\.project: /);
    await expect(checkToolConfigs([jira], [])).resolves.toEqual([]);
  });
});
