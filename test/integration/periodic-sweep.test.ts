import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { RetentionMarkers } from '../../activities/sandbox/workspace-retention';
import { createReinsWorker } from '../../worker/create-worker';
import { tempDataDir, testWorkerConfig } from '../helpers/harness';
import { connectNative, uniqueTaskQueue, workflowBundle } from '../helpers/temporal';

test('a running worker sweeps expired workspaces by itself, without a run ending on it', async () => {
  const dataDir = tempDataDir();
  const config = testWorkerConfig(uniqueTaskQueue('reins-sweep'), 'http://127.0.0.1:9/v1', dataDir);
  const native = await connectNative();
  try {
    const worker = await createReinsWorker({
      config,
      connection: native,
      workflowBundle: workflowBundle(),
      sweepEveryMs: 200,
    });
    await worker.runUntil(async () => {
      // Expired after the worker's start-up sweep: only the periodic one can remove it.
      const workspace = path.join(dataDir, 'workspaces', 'left-behind');
      mkdirSync(workspace, { recursive: true });
      writeFileSync(path.join(workspace, 'old.txt'), 'x');
      await new RetentionMarkers(dataDir).write('left-behind', new Date(Date.now() - 1_000), [workspace]);
      const deadline = Date.now() + 30_000;
      while (existsSync(workspace) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(existsSync(workspace)).toBe(false);
    });
  } finally {
    await native.close();
  }
});
