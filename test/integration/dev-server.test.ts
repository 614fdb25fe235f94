import { isServerReachable, uiPayloadsText } from '../../scripts/dev-server';
import { REINS_SEARCH_ATTRIBUTE_KEYS } from '../../common/search-attributes';
import { findOrInstallTemporalCli } from '../../scripts/temporal-cli';
import { connectClient, testAddress } from '../helpers/temporal';

describe('Temporal dev server for tests', () => {
  it('is reachable at the address the global setup exported', async () => {
    expect(process.env.TEMPORAL_ADDRESS).toBe(testAddress());
    await expect(isServerReachable(testAddress())).resolves.toBe(true);
  });

  it('has every Reins search attribute registered', async () => {
    const { connection } = await connectClient();
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      const registered = Object.keys(customAttributes ?? {});
      expect(registered).toEqual(expect.arrayContaining(REINS_SEARCH_ATTRIBUTE_KEYS.map((key) => key.name)));
    } finally {
      await connection.close();
    }
  });

  it('reports an unreachable address as not reachable', async () => {
    // Port 1 is privileged and never a Temporal frontend.
    await expect(isServerReachable('127.0.0.1:1', 1000)).resolves.toBe(false);
  });
});

describe('findOrInstallTemporalCli', () => {
  const saved = process.env.TEMPORAL_CLI;
  afterEach(() => {
    if (saved === undefined) delete process.env.TEMPORAL_CLI;
    else process.env.TEMPORAL_CLI = saved;
  });

  it('rejects a TEMPORAL_CLI that points nowhere, naming the variable', async () => {
    process.env.TEMPORAL_CLI = '/nonexistent/reins/temporal';
    await expect(findOrInstallTemporalCli()).rejects.toThrow(/TEMPORAL_CLI.*\/nonexistent\/reins\/temporal/);
  });
});

describe('what the launcher says about the Web UI and payloads', () => {
  it('names the mode: no codec server, or the endpoint and how to start one there', () => {
    expect(uiPayloadsText(undefined)).toMatch(/^Web UI payloads: shown as stored, no codec server/);
    const codec = uiPayloadsText('http://127.0.0.1:8888');
    expect(codec).toContain('decoded by the codec server at http://127.0.0.1:8888, which is not started here');
    expect(codec).toContain('npx reins codec-server --insecure-no-auth');
    expect(codec).toContain('npx reins codec-server --token <secret>');
  });
});
