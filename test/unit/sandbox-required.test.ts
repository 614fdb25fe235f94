import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createWorkspaceStore } from '../../activities';
import { createSandbox } from '../../activities/sandbox/sandbox';
import { sandboxSettings } from '../../activities/sandbox/settings';
import { createToolActivities } from '../../activities/tools/tool-activities';
import { createRunCodeTool } from '../../activities/tools/run-code';
import { ToolRegistry } from '../../activities/tools/registry';
import type { ToolOutcome } from '../../common/chat';

// A run's tool definitions may come from another worker; the worker that runs the call checks its own sandbox.
function activitiesWith(mode: 'bubblewrap' | 'unsafe-host') {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'reins-sandbox-required-'));
  const registry = new ToolRegistry([createRunCodeTool(createSandbox(sandboxSettings({ mode })))]);
  return {
    dataDir,
    registry,
    activities: createToolActivities({ registry, workspaces: createWorkspaceStore({ dataDir }) }),
  };
}

const call = (requireSandbox: boolean) => ({
  callId: '1-1',
  tool: 'run_code',
  args: { language: 'sh', code: 'touch ran.txt; echo ran' },
  step: 1,
  userId: 'u',
  ...(requireSandbox ? { requireSandbox } : {}),
});

const environment = () => new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') });

describe('run_code under a platform policy that requires a sandbox', () => {
  test('an unsandboxed worker refuses the call without running anything', async () => {
    const { activities, dataDir, registry } = activitiesWith('unsafe-host');
    expect(registry.describe(['run_code']).definitions[0]?.runsCode).toEqual({ sandboxed: false });
    const outcome: ToolOutcome = await environment().run(activities.runTool, call(true));
    expect(outcome).toEqual({
      ok: false,
      error: {
        type: 'ToolDenied',
        message: 'the platform policy requires a sandbox for code tools, and run_code runs unsandboxed on this worker',
      },
    });
    expect(existsSync(path.join(dataDir, 'workspaces'))).toBe(false);
  });

  test('the same worker runs it when the policy does not ask, and a sandboxed worker runs it when it does', async () => {
    const host = activitiesWith('unsafe-host');
    expect(await environment().run(host.activities.runTool, call(false))).toMatchObject({ ok: true });
    const isolated = activitiesWith('bubblewrap');
    expect(isolated.registry.describe(['run_code']).definitions[0]?.runsCode).toEqual({ sandboxed: true });
    const outcome: ToolOutcome = await environment().run(isolated.activities.runTool, call(true));
    expect(outcome).toMatchObject({ ok: true, output: expect.stringContaining('ran') });
  });
});
