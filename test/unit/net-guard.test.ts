import { AgentSpecSchema } from '../../common/agent-spec';
import { HttpHostRuleSchema } from '../../common/builtin-tool-config';
import { hostMatches, isPrivateAddress, resolveChecked, ruleFor } from '../../activities/tools/net-guard';

const rule = (host: string, extra: Record<string, unknown> = {}) => HttpHostRuleSchema.parse({ host, ...extra });

describe('network guard', () => {
  test.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fd12:3456::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '64:ff9b::a9fe:a9fe',
    'not-an-address',
  ])('%s is private', (address) => expect(isPrivateAddress(address)).toBe(true));

  test.each(['8.8.8.8', '140.82.112.3', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])('%s is public', (address) =>
    expect(isPrivateAddress(address)).toBe(false),
  );

  test('host patterns: exact names, and subdomains for *.', () => {
    expect(hostMatches('api.github.com', 'API.GitHub.com')).toBe(true);
    expect(hostMatches('api.github.com', 'github.com')).toBe(false);
    expect(hostMatches('*.example.com', 'a.b.example.com')).toBe(true);
    expect(hostMatches('*.example.com', 'example.com')).toBe(false);
    expect(hostMatches('*.example.com', 'badexample.com')).toBe(false);
    expect(hostMatches('*.example.com', 'example.com.evil.net')).toBe(false);
    expect(hostMatches('::1', '[::1]')).toBe(true);
    expect(hostMatches('api.github.com', 'api.github.com.')).toBe(true);
    const rules = [rule('*.example.com'), rule('api.example.com', { allowPrivate: true })];
    expect(ruleFor(rules, 'api.example.com')?.allowPrivate).toBe(true);
    expect(ruleFor(rules, 'www.example.com')?.host).toBe('*.example.com');
    expect(ruleFor(rules, 'example.org')).toBeUndefined();
  });

  test('checks the resolved addresses, not the name', async () => {
    const toLoopback = async () => [{ address: '127.0.0.1', family: 4 as const }];
    await expect(resolveChecked('api.example.com', rule('api.example.com'), toLoopback)).rejects.toMatchObject({
      type: 'HttpAddressRefused',
      message: expect.stringContaining('resolves to 127.0.0.1'),
    });
    const mixed = async () => [
      { address: '93.184.215.14', family: 4 as const },
      { address: '10.0.0.5', family: 4 as const },
    ];
    await expect(resolveChecked('api.example.com', rule('api.example.com'), mixed)).rejects.toMatchObject({
      type: 'HttpAddressRefused',
    });
    await expect(
      resolveChecked('api.example.com', rule('api.example.com', { allowPrivate: true }), toLoopback),
    ).resolves.toEqual({ address: '127.0.0.1', family: 4 });
    await expect(resolveChecked('[::1]', rule('::1'))).rejects.toMatchObject({ type: 'HttpAddressRefused' });
    await expect(resolveChecked('localhost', rule('localhost'))).rejects.toMatchObject({ type: 'HttpAddressRefused' });
  });

  test('a spec with a bad tool config is refused at start, naming the field', () => {
    const spec = (tools: unknown[]) =>
      AgentSpecSchema.safeParse({ name: 'a', instructions: 'i', model: { name: 'm' }, tools });
    const paths = (tools: unknown[]) => spec(tools).error?.issues.map((i) => [i.path.join('.'), i.message]);
    expect(paths([{ name: 'http_request', config: { hosts: [] } }])).toEqual([
      ['tools.0.config.hosts', 'list at least one host the agent may call'],
    ]);
    expect(paths([{ name: 'http_request', config: { hosts: [{ host: 'https://x.com/' }] } }])?.[0]?.[0]).toBe(
      'tools.0.config.hosts.0.host',
    );
    expect(paths([{ name: 'sql', config: { connection: 'postgresql://u:pw@db/x' } }])?.[0]?.[0]).toBe(
      'tools.0.config.connection',
    );
    // A credential pasted into an injected header is caught like anywhere else in a spec.
    const pasted = { hosts: [{ host: 'api.github.com', headers: { authorization: 'Bearer abcdefgh12345678' } }] };
    expect(paths([{ name: 'http_request', config: pasted }])?.[0]?.[0]).toBe(
      'tools.0.config.hosts.0.headers.authorization',
    );
    expect(
      spec([{ name: 'http_request', config: { hosts: [{ host: '*.example.com', classes: { DELETE: 'write' } }] } }])
        .success,
    ).toBe(true);
  });
});
