import { proxyActivities } from '@temporalio/workflow';
import type { ReinsActivities } from '../../activities';
import type { RunRecord } from '../../common/run-state';
import { SETUP_ACTIVITY_OPTIONS } from '../activity-options';
import { failureOf } from './failures';

const { releaseWorkspace } = proxyActivities<ReinsActivities>(SETUP_ACTIVITY_OPTIONS);

/** Hands the run's workspace to the worker's retention policy; a failure is noted, never fatal to the run. */
export async function releaseRunWorkspace(state: RunRecord, workspace: 'run' | 'agent'): Promise<void> {
  try {
    await releaseWorkspace.executeWithOptions({ ...SETUP_ACTIVITY_OPTIONS, summary: 'release workspace' }, [
      { agent: state.agent, workspace },
    ]);
  } catch (error) {
    state.warnings.push(`workspace release failed: ${failureOf(error).message}`);
  }
}
