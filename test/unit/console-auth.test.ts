import { decideRefusal, mayDecide } from '../../client/console/authz';
import { checkEditedArgs } from '../../client/console/edit-check';
import { boundedJson, escapeHtml, html, SafeHtml } from '../../client/console/html';
import {
  bulkItem,
  BulkFormSchema,
  DecideFormSchema,
  formFields,
  parseBulkItem,
  parseForm,
} from '../../client/console/request-body';
import { cookieValue, csrfMatches, SessionStore } from '../../client/console/sessions';
import { parseConsoleTokens, staticTokenAuth } from '../../client/console/static-tokens';
import { approvalRequest } from '../helpers/approval-requests';

describe('console escaping', () => {
  test('every HTML-special character becomes an entity', () => {
    expect(escapeHtml(`<script>alert("x")</script>&'`)).toBe(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;',
    );
    expect(escapeHtml(undefined)).toBe('');
  });

  test('the template escapes values, nested arrays too, and keeps SafeHtml as is', () => {
    const name = '<img src=x onerror=alert(1)>';
    const out = html`<b title="${name}">${[name, html`<i>${name}</i>`]}</b>${new SafeHtml('<br>')}`.value;
    expect(out).not.toContain('<img');
    expect(out).toContain('<i>&lt;img');
    expect(out).toContain('<br>');
    expect(out).toContain('title="&lt;img src=x onerror=alert(1)&gt;"');
  });

  test('arguments are shown bounded', () => {
    const shown = boundedJson({ content: 'x'.repeat(10_000) }, 100);
    expect(shown.length).toBeLessThan(200);
    expect(shown).toContain('more characters');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(boundedJson(cyclic)).toContain('cannot be shown');
  });
});

describe('who may decide a request in the console', () => {
  const alice = { userId: 'alice', roles: ['ops'] };

  test('anyone when the request names no approvers', () => {
    expect(mayDecide(approvalRequest({ approvers: undefined }), alice)).toBe(true);
  });

  test('a named user or a holder of a named role', () => {
    expect(mayDecide(approvalRequest({ approvers: { users: ['alice'], roles: [] } }), alice)).toBe(true);
    expect(mayDecide(approvalRequest({ approvers: { users: [], roles: ['ops'] } }), alice)).toBe(true);
    expect(decideRefusal(approvalRequest({ approvers: { users: ['bob'], roles: ['security'] } }), alice)).toMatch(
      /not among the approvers/,
    );
  });

  test('required groups, the requester kept off, and a second approval by the same person', () => {
    const required = [{ source: 'platform', approvers: { users: [], roles: ['security'] } }];
    expect(decideRefusal(approvalRequest({ approvers: undefined, requiredApprovers: required }), alice)).toMatch(
      /platform requires/,
    );
    expect(decideRefusal(approvalRequest({ approvers: undefined, requesterExcluded: 'alice' }), alice)).toMatch(
      /started this run/,
    );
    const voted = approvalRequest({
      approvers: undefined,
      quorum: 2,
      approvals: [{ by: 'alice', at: 'x', via: 'update' }],
    });
    expect(decideRefusal(voted, alice)).toMatch(/already approved/);
  });

  test('a role name that looks like an object key gives nothing', () => {
    const request = approvalRequest({ approvers: { users: [], roles: ['ops'] } });
    expect(mayDecide(request, { userId: '__proto__', roles: ['constructor', 'toString'] })).toBe(false);
  });
});

describe('static sign-in tokens', () => {
  const tokens = [{ token: 'a-token-for-alice-1234', userId: 'alice', roles: ['ops'] }];

  test('a known token signs its user in; anything else nobody', async () => {
    const auth = staticTokenAuth(tokens);
    await expect(auth.verifyToken('a-token-for-alice-1234')).resolves.toEqual({ userId: 'alice', roles: ['ops'] });
    await expect(auth.verifyToken('a-token-for-alice-123')).resolves.toBeUndefined();
    await expect(auth.verifyToken('')).resolves.toBeUndefined();
  });

  test('the tokens setting is checked, naming the field', () => {
    expect(() => parseConsoleTokens('[{"token":"short","userId":"a"}]', 'REINS_CONSOLE_TOKENS')).toThrow(
      /REINS_CONSOLE_TOKENS: .*0\.token.*16 characters/,
    );
    expect(() => parseConsoleTokens('{', 'REINS_CONSOLE_TOKENS')).toThrow(/not JSON/);
    expect(parseConsoleTokens(JSON.stringify(tokens), 'x')).toEqual(tokens);
  });
});

describe('sessions and CSRF', () => {
  test('a session expires, and only its own CSRF token matches', () => {
    const store = new SessionStore(1000);
    const session = store.create({ userId: 'alice', roles: [] }, 0);
    expect(store.get(session.id, 500)).toBe(session);
    expect(csrfMatches(session, session.csrf)).toBe(true);
    expect(csrfMatches(session, '')).toBe(false);
    expect(csrfMatches(session, undefined)).toBe(false);
    expect(csrfMatches(session, session.csrf.slice(1))).toBe(false);
    expect(store.get(session.id, 1000)).toBeUndefined();
    expect(store.get('__proto__')).toBeUndefined();
  });

  test('a cookie is read by its exact name', () => {
    expect(cookieValue('a=1; reins_console=abc; b=2', 'reins_console')).toBe('abc');
    expect(cookieValue('xreins_console=abc', 'reins_console')).toBeUndefined();
    expect(cookieValue(undefined, 'reins_console')).toBeUndefined();
  });
});

describe('console forms', () => {
  test('only fields the schema names are read, and errors name the field', () => {
    const form = parseForm(
      DecideFormSchema,
      formFields('runId=r&requestId=q&decision=approve&__proto__=x&constructor=y&csrf=t'),
    );
    expect(form).toEqual({ runId: 'r', requestId: 'q', decision: 'approve', csrf: 't' });
    expect(() => parseForm(DecideFormSchema, formFields('runId=r&requestId=q&decision=maybe'))).toThrow(/decision/);
    expect(() => parseForm(BulkFormSchema, formFields('decision=approve'), ['item'])).toThrow(/item/);
  });

  test('bulk items round-trip ids with spaces and separators, and a malformed one is refused', () => {
    const item = bulkItem('run with space', 'req/1 2');
    expect(parseBulkItem(item)).toEqual({ runId: 'run with space', requestId: 'req/1 2' });
    expect(() => parseBulkItem('only-one')).toThrow(/not a request/);
    expect(() => parseBulkItem('%E0%A4%A a')).toThrow(/not a request/);
  });
});

describe('edited arguments are checked against the tool schema', () => {
  const schema = {
    type: 'object',
    properties: { path: { type: 'string' }, content: { type: 'string' } },
    required: ['path', 'content'],
    additionalProperties: false,
  };

  test('matching arguments pass; a wrong type or a missing field is named', () => {
    expect(checkEditedArgs('{"path":"a","content":"b"}', schema)).toEqual({
      ok: true,
      args: { path: 'a', content: 'b' },
    });
    const wrong = checkEditedArgs('{"path":1,"content":"b"}', schema);
    expect(wrong.ok).toBe(false);
    expect(!wrong.ok && wrong.message).toMatch(/path/);
    expect(checkEditedArgs('{"path":"a"}', schema).ok).toBe(false);
    expect(checkEditedArgs('[1]', schema)).toEqual({ ok: false, message: 'editedArgs: must be a JSON object' });
    expect(checkEditedArgs('{', schema)).toMatchObject({ ok: false, message: expect.stringMatching(/not valid JSON/) });
  });
});
