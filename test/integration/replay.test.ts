import { promises as fs } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { workflowBundle } from '../helpers/temporal';
import { CURRENT_RUN_PATCH } from '../../workflows/run/run-patches';

const HISTORIES = path.join(__dirname, '..', 'histories');

async function recordedHistories() {
  const files = (await fs.readdir(HISTORIES)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => ({
      workflowId: file.replace(/\.json$/, ''),
      history: historyFromJSON(JSON.parse(await fs.readFile(path.join(HISTORIES, file), 'utf8'))),
    })),
  );
}

describe('recorded histories replay against the current workflow code', () => {
  test('approvals, retries, compaction, continue-as-new, a duration stop and an applied platform policy all replay', async () => {
    const histories = await recordedHistories();
    // Histories recorded before platform policies existed replay beside one recorded with a policy applied mid-run,
    // and those recorded before the latest turn could be cut to fit beside one that cuts, refuses and compacts.
    expect(histories.map((h) => h.workflowId)).toEqual(
      expect.arrayContaining([
        'approvals.1',
        'gated.1',
        'long.1',
        'long.2',
        'duration.1',
        'policy.1',
        'context.1',
        'notify.1',
      ]),
    );
    for await (const result of Worker.runReplayHistories({ workflowBundle: workflowBundle() }, histories)) {
      expect({ workflowId: result.workflowId, error: result.error?.message }).toEqual({
        workflowId: result.workflowId,
        error: undefined,
      });
    }
  });

  test('a run of this version records one patch marker, in its first task, before any local activity', async () => {
    // A patch asked after a local activity returned could land in a later task than the one a replay is in, and
    // fail that replay; notify.1 was recorded by the current code, with local activities at start and at its gates,
    // gated.1 by the version before (reins-run-v2), which a run of that version asks only when v3 is absent.
    const histories = await recordedHistories();
    const markers = (workflowId: string) => {
      const events = histories.find((h) => h.workflowId === workflowId)!.history.events ?? [];
      const patches = events.flatMap((event, index) => {
        const marker = event.markerRecordedEventAttributes;
        if (marker?.markerName !== 'core_patch') return [];
        const data = marker.details?.['patch-data']?.payloads?.[0]?.data;
        return [{ index, id: (JSON.parse(Buffer.from(data!).toString('utf8')) as { id: string }).id }];
      });
      return { events, patches };
    };
    expect(markers('gated.1').patches.map((p) => p.id)).toEqual(['reins-run-v2']);
    const { events, patches } = markers('notify.1');
    expect(patches.map((p) => p.id)).toEqual([CURRENT_RUN_PATCH]);
    expect(CURRENT_RUN_PATCH).toBe('reins-run-v3');
    const firstTaskEnd = events.findIndex((e, i) => i > patches[0]!.index && e.workflowTaskScheduledEventAttributes);
    const firstLocalActivity = events.findIndex(
      (e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity',
    );
    expect(patches[0]!.index).toBeLessThan(firstLocalActivity);
    expect(patches[0]!.index).toBeLessThan(firstTaskEnd);
    // The notified run's history holds its notices: the gate, the reminder and the escalation, one activity each.
    const notices = events.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'notifyApprovers',
    );
    expect(notices).toHaveLength(3);
  });

  test('a non-deterministic change to the loop fails the replay', async () => {
    const changed = await bundleWorkflowCode({
      workflowsPath: require.resolve('../fixtures/nondeterministic/workflows'),
      logger: new DefaultLogger('WARN'),
    });
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: changed }, await recordedHistories())) {
      if (result.error) failures.push(result.error.name);
    }
    expect(failures.length).toBeGreaterThan(0);
    expect(failures).toContain('DeterminismViolationError');
  });
});
