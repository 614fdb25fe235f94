import { HANDLER_DESCRIPTIONS } from '../../common/messages';
import { fileClerkSpec, waitForState, withReins } from '../helpers/harness';

interface Described {
  name?: string | null;
  description?: string | null;
}
interface Metadata {
  definition?: {
    queryDefinitions?: Described[] | null;
    signalDefinitions?: Described[] | null;
    updateDefinitions?: Described[] | null;
  } | null;
}

describe('what the Temporal UI and `temporal workflow metadata` show of a run', () => {
  test('every reins handler says what it takes', async () => {
    const script = [{ reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'x.txt' } }] } }];
    await withReins({ script }, async ({ reins, temporal }) => {
      const { runId } = await reins.startRun({ spec: fileClerkSpec(), prompt: 'p', userId: 'u' });
      await waitForState(reins, runId, (s) => s.pendingApprovals.length > 0);
      const metadata = await temporal.workflow.getHandle(runId).query<Metadata>('__temporal_workflow_metadata');
      const described = (list: Described[] | null | undefined) =>
        Object.fromEntries((list ?? []).map((d) => [d.name ?? '', d.description ?? '']));
      expect(described(metadata.definition?.queryDefinitions)).toMatchObject({
        state: HANDLER_DESCRIPTIONS.state,
        transcript: HANDLER_DESCRIPTIONS.transcript,
      });
      expect(described(metadata.definition?.signalDefinitions)).toMatchObject({ decide: HANDLER_DESCRIPTIONS.decide });
      expect(described(metadata.definition?.updateDefinitions)).toMatchObject({
        decide: HANDLER_DESCRIPTIONS.decide,
        applyPolicy: HANDLER_DESCRIPTIONS.applyPolicy,
      });
      await temporal.workflow.getHandle(runId).terminate('test over');
    });
  });
});
