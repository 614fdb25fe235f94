import { AgentSpecSchema } from '../../common/agent-spec';
import { describeZodIssues } from '../../common/zod-issues';
import { parseSince, SinceSchema } from '../../client/since';

const spec = (tool: Record<string, unknown>) => ({
  name: 'a',
  instructions: 'x',
  model: { name: 'm' },
  tools: [{ name: 'read_file', ...tool }],
});

function issuesOf(value: unknown): string {
  const parsed = AgentSpecSchema.safeParse(value);
  if (parsed.success) throw new Error('expected the spec to be refused');
  return describeZodIssues(parsed.error, 'spec');
}

describe('validation messages say what is allowed', () => {
  test('a choice of values lists every value allowed, unions included', () => {
    expect(issuesOf(spec({ approval: 'sometimes' }))).toBe(
      'spec.tools.0.approval: expected one of "default", "never", "always", or an object',
    );
    expect(issuesOf(spec({ onTimeout: 'maybe' }))).toBe('spec.tools.0.onTimeout: expected one of "reject", "escalate"');
    expect(issuesOf(spec({ class: 'rw' }))).toBe('spec.tools.0.class: expected one of "read", "write", "destructive"');
  });

  test('a response reserve that leaves the prompt no room is refused at start, naming the field', () => {
    const withModel = (model: Record<string, unknown>) => ({ ...spec({}), model: { name: 'm', ...model } });
    expect(issuesOf(withModel({ contextWindow: 4096, outputReserve: 4096 }))).toBe(
      "spec.model.outputReserve: outputReserve (4096) must be smaller than contextWindow (4096): the response's share leaves no room for the prompt",
    );
    expect(issuesOf(withModel({ contextWindow: 2048, maxOutputTokens: 9000 }))).toMatch(
      /^spec\.model\.maxOutputTokens: maxOutputTokens \(9000\) must be smaller than contextWindow \(2048\)/,
    );
    expect(AgentSpecSchema.safeParse(withModel({ contextWindow: 4096, outputReserve: 4095 })).success).toBe(true);
  });

  test('a union whose object form was chosen reports the problem inside the object', () => {
    expect(issuesOf(spec({ approval: { when: 'always' } }))).toMatch(/^spec\.tools\.0\.approval\.when: /);
  });

  test('--since takes ISO dates and date-times, today, yesterday and relative forms', () => {
    const now = Date.parse('2026-12-01T15:30:00Z');
    expect(parseSince('2026-11-30', now)?.toISOString()).toBe('2026-11-30T00:00:00.000Z');
    expect(parseSince('2026-11-30T08:00:00+01:00', now)?.toISOString()).toBe('2026-11-30T07:00:00.000Z');
    expect(parseSince('today', now)?.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(parseSince('yesterday', now)?.toISOString()).toBe('2026-11-30T00:00:00.000Z');
    expect(parseSince('7d', now)?.toISOString()).toBe('2026-11-24T15:30:00.000Z');
    expect(parseSince('12h', now)?.toISOString()).toBe('2026-12-01T03:30:00.000Z');
    expect(parseSince('30m', now)?.toISOString()).toBe('2026-12-01T15:00:00.000Z');
    expect(parseSince('2w', now)?.toISOString()).toBe('2026-11-17T15:30:00.000Z');
    for (const bad of ['last week', '7 days', '2026-13-01', '', 'd7']) expect(parseSince(bad, now)).toBeUndefined();
  });

  test('an unreadable --since names the forms it accepts', () => {
    const parsed = SinceSchema.safeParse('last week');
    expect(parsed.success).toBe(false);
    if (!parsed.success) {
      expect(describeZodIssues(parsed.error, 'since')).toBe(
        'since: expected an ISO 8601 date (2026-11-30) or date-time (2026-11-30T08:00:00Z), `today`, `yesterday`, ' +
          'or a time ago like 30m, 12h, 7d, 2w; got "last week"',
      );
    }
  });
});
