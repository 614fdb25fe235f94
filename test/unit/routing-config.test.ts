import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProviderRegistry } from '../../activities/model/provider-registry';
import { SecretResolver } from '../../activities/secrets/secret-resolver';
import { loadWorkerConfig } from '../../worker/config';

function providersFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'reins-providers-')), 'providers.yaml');
  writeFileSync(file, text);
  return file;
}

const YAML = `
providers:
  - name: local
    baseURL: http://localhost:11434/v1
    rateLimitPerSecond: 2
    models:
      - { name: 'qwen2.5:14b', contextWindow: 32768, capabilities: { tools: false } }
  - name: router
    baseURL: https://openrouter.ai/api/v1
    apiKeyEnv: ROUTER_KEY
`;

describe('REINS_PROVIDERS_FILE', () => {
  test('is read and validated into the worker config; OPENAI_* is then optional', () => {
    const config = loadWorkerConfig({ REINS_PROVIDERS_FILE: providersFile(YAML) });
    expect(config.providers?.map((p) => p.name)).toEqual(['local', 'router']);
    expect(config.providers?.[0]?.models[0]).toEqual({
      name: 'qwen2.5:14b',
      contextWindow: 32768,
      capabilities: { tools: false, jsonOutput: false },
    });
  });

  test('a bad file names the file and the field', () => {
    const file = providersFile('providers:\n  - name: Bad Name\n    baseURL: nope\n');
    expect(() => loadWorkerConfig({ REINS_PROVIDERS_FILE: file })).toThrow(/providers\.0\.name/);
    expect(() => loadWorkerConfig({ REINS_PROVIDERS_FILE: file })).toThrow(/providers\.0\.baseURL/);
    expect(() => loadWorkerConfig({ REINS_PROVIDERS_FILE: '/no/such/file.yaml' })).toThrow(/cannot read/);
  });

  test('without a file the worker still needs OPENAI_API_KEY or OPENAI_BASE_URL, as before', () => {
    expect(() => loadWorkerConfig({})).toThrow(/OPENAI_API_KEY is not set/);
    expect(loadWorkerConfig({ OPENAI_API_KEY: 'k' }).providers).toBeUndefined();
  });
});

describe('ProviderRegistry', () => {
  const config = loadWorkerConfig({ REINS_PROVIDERS_FILE: providersFile(YAML) });
  const registry = (env: NodeJS.ProcessEnv = {}) =>
    new ProviderRegistry({
      providers: config.providers ?? [],
      secrets: new SecretResolver([]),
      taskQueue: 'reins',
      env,
    });

  test('rate-limited providers get their own task queue', () => {
    expect(registry().rateLimited()).toEqual([{ name: 'local', taskQueue: 'reins-model-local', perSecond: 2 }]);
    expect(registry().facts('local')).toMatchObject({ known: true, taskQueue: 'reins-model-local' });
    expect(registry().facts('nowhere')).toMatchObject({ known: false });
  });

  test('a missing key fails naming the variable; an unknown provider fails naming the known ones', () => {
    expect(() => registry().client('router')).toThrow(/ROUTER_KEY/);
    expect(registry({ ROUTER_KEY: 'k' }).client('router').label).toBe('router');
    expect(() => registry().client('nowhere')).toThrow(/provider "nowhere" is not configured.*local, router/);
  });
});

describe('REINS_ROLES_FILE', () => {
  test("is the worker's to read: its path goes into the worker config, resolved", () => {
    const config = loadWorkerConfig({ OPENAI_API_KEY: 'k', REINS_ROLES_FILE: 'conf/roles.yaml' });
    expect(config.rolesFile).toBe(path.resolve('conf/roles.yaml'));
    expect(loadWorkerConfig({ OPENAI_API_KEY: 'k' }).rolesFile).toBeUndefined();
    expect(() => loadWorkerConfig({ OPENAI_API_KEY: 'k', REINS_ROLES_FILE: '' })).toThrow(/REINS_ROLES_FILE/);
  });
});
