import { AgentSpecSchema } from '../../common/agent-spec';
import { credentialKindIn } from '../../common/credential-patterns';
import { fileClerkSpec } from '../helpers/harness';

const SAMPLES: Record<string, string> = {
  openai: 'sk-abcdefghijklmnopqrstuvwxyz012345',
  openaiProject: 'sk-proj-abcdefghijklmnopqrstuvwxyz_0123',
  anthropic: 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz',
  github: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
  githubFineGrained: 'github_pat_11ABCDEFG0123456789_abcdefghijklmnop',
  aws: 'AKIAIOSFODNN7EXAMPLE',
  slack: 'xoxb-123456789012-abcdefghij',
  google: 'AIzaSyA-abcdefghijklmnopqrstuvwxyz01234',
  bearer: 'Bearer eyJhbGciOiJIUzI1NiJ9.abc.def',
  pem: '-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----',
};

describe('inline credentials', () => {
  it.each(Object.entries(SAMPLES))('recognises %s', (_kind, sample) => {
    expect(credentialKindIn(`x ${sample} y`)).toBeDefined();
  });

  it('lets ordinary text through', () => {
    for (const text of ['ask the user', 'https://api.github.com/repos', 'sk-short', 'Bearer', 'GITHUB_TOKEN']) {
      expect(credentialKindIn(text)).toBeUndefined();
    }
  });

  it('refuses a spec with a credential anywhere, naming the field path', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ instructions: `Use the key ${SAMPLES.openai} when asked.` }, 'instructions'],
      [
        {
          mcpServers: [
            { name: 'gh', transport: 'stdio', command: 'gh-mcp', args: ['--token', SAMPLES.github], env: {} },
          ],
        },
        'mcpServers[0].args[1]',
      ],
      [
        { mcpServers: [{ name: 'gh', transport: 'stdio', command: 'gh-mcp', env: { GH_TOKEN: SAMPLES.github } }] },
        'mcpServers[0].env.GH_TOKEN',
      ],
      [
        {
          mcpServers: [
            {
              name: 'api',
              transport: 'http',
              url: 'https://mcp.example.com/mcp',
              headers: { Authorization: SAMPLES.bearer },
            },
          ],
        },
        'mcpServers[0].headers.Authorization',
      ],
      [
        { mcpServers: [{ name: 'api', transport: 'http', url: `https://mcp.example.com/mcp?key=${SAMPLES.google}` }] },
        'mcpServers[0].url',
      ],
    ];
    for (const [overrides, field] of cases) {
      const parsed = AgentSpecSchema.safeParse(fileClerkSpec(overrides));
      expect(parsed.success).toBe(false);
      const messages = parsed.error?.issues.map((issue) => issue.message) ?? [];
      expect(messages.some((m) => m.startsWith(`${field} looks like`) && m.includes('"secret"'))).toBe(true);
      expect(messages.join(' ')).not.toContain('abcdefghij');
    }
  });

  it('accepts secret references in their place', () => {
    const parsed = AgentSpecSchema.safeParse(
      fileClerkSpec({
        mcpServers: [
          { name: 'gh', transport: 'stdio', command: 'gh-mcp', env: { GH_TOKEN: { secret: 'GITHUB_TOKEN' } } },
        ],
      }),
    );
    expect(parsed.error?.issues).toBeUndefined();
  });
});
