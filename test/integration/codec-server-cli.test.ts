import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { EncryptionCodec, parseEncryptionKeys } from '../../shared/codec';
import { runCli, startCli } from '../helpers/cli';
import { fileClerkSpec, withReins } from '../helpers/harness';

const KEYS_TEXT = `cli:${randomBytes(32).toString('base64')}`;
const keys = parseEncryptionKeys(KEYS_TEXT);

describe('encryption from the CLI', () => {
  test('`reins codec-server` serves the keys from the environment until Ctrl-C', async () => {
    const missing = await runCli(['codec-server', '--port', '0']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no encryption keys');

    const token = 'cli-codec-token-0123456789';
    const server = startCli(['codec-server', '--port', '0', '--token', token], { REINS_ENCRYPTION_KEYS: KEYS_TEXT });
    try {
      const [, url] = await server.waitFor(/codec server at (http:\/\/\S+) /);
      const [encrypted] = await new EncryptionCodec(keys).encode([
        defaultPayloadConverter.toPayload('from the worker'),
      ]);
      const body = {
        payloads: [
          temporal.api.common.v1.Payload.toObject(temporal.api.common.v1.Payload.create(encrypted!), { bytes: String }),
        ],
      };
      const response = await fetch(`${url}/decode`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, 'X-Namespace': 'default' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(200);
      const decoded = (await response.json()) as { payloads: Array<{ data: string }> };
      expect(Buffer.from(decoded.payloads[0]!.data, 'base64').toString()).toBe('"from the worker"');
    } finally {
      const outcome = await server.stop('SIGINT');
      expect(outcome.code).toBe(0);
    }
  });

  test('the CLI reads an encrypted run with the keys, and cannot without them', async () => {
    await withReins(
      { encryptionKeys: keys, script: [{ reply: { content: 'The encrypted answer' } }] },
      async ({ reins, taskQueue, dataDir }) => {
        const { runId } = await reins.startRun({ spec: fileClerkSpec(), prompt: 'Answer', userId: 'alice' });
        await reins.result(runId);
        const env = { REINS_PAYLOAD_DIR: path.join(dataDir, 'payloads') };
        const withKeys = await runCli(['--task-queue', taskQueue, 'result', runId], {
          ...env,
          REINS_ENCRYPTION_KEYS: KEYS_TEXT,
        });
        expect(withKeys.stdout).toContain('The encrypted answer');
        const without = await runCli(['--task-queue', taskQueue, 'result', runId], env);
        expect(without.stdout).not.toContain('The encrypted answer');
      },
    );
  });
});
