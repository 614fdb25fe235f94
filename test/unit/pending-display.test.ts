import { ARGS_SHOWN_CHARS, formatPendingRuns, formatRequest, formatState } from '../../cli/format';
import { visible } from '../../common/display-text';
import type { ApprovalRequest, RunState } from '../../common/run-state';
import { stateWith } from '../helpers/run-states';
import { DETAILS_ARGS_BUDGET, describeRun } from '../../workflows/run/visibility';
import { temporalDecideCommand } from '../../common/display-text';

const NOW = Date.parse('2026-01-01T12:00:00Z');

function request(requestId: string, args: unknown, extra: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    requestId,
    step: 2,
    toolCallId: `call_${requestId}`,
    tool: 'sql',
    toolClass: 'destructive',
    args,
    rule: 'class destructive',
    requestedAt: '2026-01-01T11:59:00Z',
    expiresAt: '2026-01-02T11:59:00Z',
    onTimeout: 'reject',
    stage: 'primary',
    ...extra,
  };
}

// A statement hidden behind a long comment: every view used to cut it off after 160 to 200 characters.
const padded = { query: `-- routine cleanup${' '.repeat(3_000)}; DROP TABLE accounts;` };
const huge = { query: `-- ${'x'.repeat(60_000)}; DROP TABLE ledger;` };
// An ANSI sequence that erases the line, a bidi override that reverses what follows, a zero-width space.
const sneaky = { path: 'notes.txt\u001b[2K\r\u202eexe.\u200bsafe' };

const SEE_ALL = 'reins status run-1 --request';

describe('what an approver sees of a pending call', () => {
  test('the CLI shows the whole arguments, pretty-printed, tail included', () => {
    const text = formatState(stateWith([request('2-1', padded)]), 'http://ui', NOW);
    expect(text).toContain('; DROP TABLE accounts;');
    expect(text).toContain(`"query": "-- routine cleanup${' '.repeat(3_000)}; DROP TABLE accounts;"`);
    expect(text).not.toContain('more characters');
  });

  test('past the CLI limit: the head, the exact count left out and a command that shows it all', () => {
    const state = stateWith([request('2-1', huge)]);
    const text = formatState(state, 'http://ui', NOW);
    const pretty = JSON.stringify(huge, null, 2);
    expect(text).toContain(`… ${pretty.length - ARGS_SHOWN_CHARS} more characters; show all with: ${SEE_ALL} 2-1`);
    expect(text).not.toContain('DROP TABLE ledger');
    const whole = formatRequest(state, state.pendingApprovals[0]!, NOW);
    expect(whole).toContain('; DROP TABLE ledger;');
    expect(whole).not.toContain('more characters');
  });

  test('control characters, ANSI escapes and bidi overrides are shown as escapes, never obeyed', () => {
    const state = stateWith([request('2-1', sneaky, { tool: 'write\u202efile' })], { userId: 'ann\u001b[8m' });
    for (const text of [formatState(state, 'http://ui', NOW), describeRun(state)]) {
      expect(text).not.toMatch(/[\u001b\r\u202e\u200b]/);
      expect(text).toContain('\\u202e');
      expect(text).toContain('\\u200b');
    }
    expect(formatState(state, 'http://ui', NOW)).toContain('{"path":"notes.txt\\u001b[2K\\r\\u202eexe.\\u200bsafe"}');
    expect(visible('a\u2028b\u{E0041}c\n', { keepLines: true })).toBe('a\\u2028b\\udb40\\udc41c\n');
  });

  test('workspace paths show where they resolve, or that they do not', () => {
    const paths = [
      { arg: 'path', requested: 'x/../config/a.yaml', resolved: 'config/a.yaml' },
      { arg: 'target', requested: '../../etc/passwd', resolved: null },
    ];
    const state = stateWith([request('2-1', { path: 'x/../config/a.yaml', target: '../../etc/passwd' }, { paths })]);
    const text = formatState(state, 'http://ui', NOW);
    expect(text).toContain('path: "x/../config/a.yaml" → "config/a.yaml"');
    expect(text).toContain('target: "../../etc/passwd" → does not resolve inside the workspace');
    const details = describeRun(state);
    expect(details).toContain('path: "x/../config/a.yaml" → "config/a.yaml"');
    expect(details).toContain('target: "../../etc/passwd" → does not resolve inside the workspace');
  });

  test('the UI current details carry the whole arguments in a code block no argument can close', () => {
    const fenced = { query: 'select 1 -- ``` </pre> <!-- **hidden** [x](http://evil) -->', note: 'y'.repeat(80) };
    const short = { query: 'select 2 -- ``` <!--' };
    const details = describeRun(stateWith([request('2-1', padded), request('2-2', fenced), request('2-3', short)]));
    expect(details).toContain('; DROP TABLE accounts;');
    expect(details).toContain(
      '\n  ````json\n  {\n    "query": "select 1 -- ``` </pre> <!-- **hidden** [x](http://evil) -->",',
    );
    expect(details).toContain('\n  ````\n');
    expect(details).toContain('- `2-3` sql (destructive) ````{"query":"select 2 -- ``` <!--"}````');
    expect(details).not.toContain('more characters');
  });

  test('the UI current details give a Temporal CLI command that pastes as it reads, whatever the run id', () => {
    const details = describeRun(stateWith([request('2-1', { q: 1 })]));
    const command = /```sh\n {2}(temporal workflow update execute [^\n]+)\n/.exec(details)?.[1];
    expect(command).toMatch(/^temporal workflow update execute --workflow-id \S+ --name decide --input '\{/);
    expect(command).toContain(`'{"requestId":"2-1","decision":"approve","by":"<you>"}'`);
    expect(command).not.toMatch(/[\u2018\u2019\u201c\u201d]/);
    // A run id with a quote in it stays one shell word.
    expect(temporalDecideCommand("it's-1", '1-1')).toMatch(
      /^temporal workflow update execute --workflow-id 'it'\\''s-1' /,
    );
  });

  test("the model's reasoning shows in the terminal and the UI as one escaped line, markup and all", () => {
    const reasoning = 'Dropping **all** rows\nthen `rm -rf` \u202e[click](http://evil)';
    const state = stateWith([request('2-1', { q: 1 }, { reasoning })]);
    const terminal = formatState(state, 'http://ui', NOW);
    expect(terminal).toContain('the model said: Dropping **all** rows\\u000athen `rm -rf` \\u202e[click](http://evil)');
    const details = describeRun(state);
    const line = details.split('\n').find((l) => l.includes('the model said:'))!;
    expect(line).not.toContain('**all**');
    expect(line).not.toContain('[click](');
    expect(details).not.toContain('\u202e');
  });

  test('reins status lists the newest notifications, failures with their reason, escaped', () => {
    const at = '2026-01-01T12:00:00Z';
    const notifications = [
      {
        id: 'a',
        kind: 'gate',
        requestId: '2-1',
        stage: 'primary',
        channel: 'ops-hook',
        status: 'sent',
        at,
        detail: 'HTTP 200',
      },
      {
        id: 'b',
        kind: 'gate',
        requestId: '2-1',
        stage: 'primary',
        channel: 'mail\u001b[2K',
        status: 'failed',
        at,
        error: 'HTTP 500 after 3 attempts',
      },
      ...Array.from({ length: 12 }, (_, i) => ({
        id: `r${i}`,
        kind: 'reminder',
        requestId: '2-1',
        stage: 'primary',
        channel: 'slack-2',
        status: 'sent',
        at,
      })),
    ] as RunState['notifications'];
    const early = formatState(
      stateWith([request('2-1', {})], { notifications: notifications!.slice(0, 2) }),
      'http://ui',
      NOW,
    );
    expect(early).toContain('Notifications (2):');
    expect(early).toContain('  2-1  gate via ops-hook at 2026-01-01T12:00:00Z: sent (HTTP 200)');
    expect(early).toContain(
      '  2-1  gate via mail\\u001b[2K at 2026-01-01T12:00:00Z: failed: HTTP 500 after 3 attempts',
    );
    const all = formatState(stateWith([request('2-1', {})], { notifications }), 'http://ui', NOW);
    expect(all).toContain('Notifications (14, the newest 10 shown):');
    expect(all.match(/reminder via slack-2/g)).toHaveLength(10);
  });

  test('the UI current details stay bounded: the head, the exact count left out and the command to see all', () => {
    const details = describeRun(stateWith([request('2-1', huge)]));
    const pretty = JSON.stringify(huge, null, 2);
    expect(details).toContain(`… ${pretty.length - DETAILS_ARGS_BUDGET} more characters; show all: \`${SEE_ALL} 2-1\``);
    expect(details.length).toBeLessThan(DETAILS_ARGS_BUDGET + 2_000);
  });
});

describe('what an approver sees of a governed request', () => {
  const governed = request(
    '2-1',
    { query: 'DELETE FROM t' },
    {
      quorum: 2,
      quorumGroups: [{ users: [], roles: ['security'] }],
      approvals: [
        {
          by: 'olga',
          at: '2026-01-01T11:59:30Z',
          via: 'update',
          roles: ['ops'],
          evidence: {
            kind: 'jwt',
            provider: 'corp',
            issuer: 'https://idp.example',
            subject: 'olga',
            userId: 'olga',
            algorithm: 'RS256',
            digest: 'd1',
            roles: [{ claim: 'groups', value: 'ops-admins', role: 'ops' }],
          },
        },
      ],
      verifiedRule: 'the org policy requires verified approvals for destructive tools',
      requesterExcluded: 'alice',
    },
  );
  const progress =
    'approvals 1 of 2 (olga (verified)); still needed: 1 more, one from role security · verified approvals only · ' +
    'alice (who started the run) may not approve';

  test('reins status, reins pending and the UI details say what it has and still needs', () => {
    const state = stateWith([governed]);
    expect(formatState(state, 'http://ui', NOW)).toContain(progress);
    expect(
      formatPendingRuns(
        [
          {
            runId: 'run-1',
            agent: 'a',
            user: 'alice',
            startedAt: '2026-01-01T11:00:00Z',
            status: 'awaiting_approval',
            taskQueue: 'q',
            requests: [governed],
          },
        ],
        NOW,
      ),
    ).toContain(progress);
    expect(describeRun(state)).toContain(progress);
  });

  test("a decision's evidence is shown, the credential never", () => {
    const state = stateWith([], {
      decisions: [
        {
          requestId: '2-1',
          tool: 'sql',
          decision: 'approve',
          by: 'sam',
          via: 'update',
          decidedAt: '2026-01-01T11:59:40Z',
          approvals: [...(governed.approvals ?? []), { by: 'sam', at: '2026-01-01T11:59:40Z', via: 'update' }],
          evidence: governed.approvals![0]!.evidence!,
        },
      ],
    });
    const text = formatState(state, 'http://ui', NOW);
    expect(text).toContain('approvals: olga (verified), sam');
    expect(text).toContain('verified by corp (https://idp.example): subject olga · roles ops from groups=ops-admins');
  });
});
