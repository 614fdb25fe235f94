import type { AgentSpec, AgentTool } from '../../common/agent-spec';
import type { ToolDefinition } from '../../common/chat';
import type { EffectivePolicy } from '../../common/policy/resolve';
import { priceFor, type ModelPrice } from '../../common/pricing';
import type { RunInput } from '../../common/run-input';
import type { RunRecord } from '../../common/run-state';
import type { RunIdentity } from '../../common/identity/run-identity';
import { callerAccessIdentity, type AccessIdentity } from '../../common/policy/tool-access';
import type { SpendCapContext } from '../budget/spend-cap';
import type { RoomDeps } from '../model/context-room';
import type { ContextWindow } from '../model/context-window';
import { ModelRouter } from '../model/model-router';
import type { ToolArgsValidator } from '../tools/tool-args';
import type { ToolCatalog } from '../tools/prepare-call';
import type { RunPatches } from './run-patches';
import type { ApprovalNotices } from '../approvals/approval-notices';

/** What a run's turns work with once its policy is settled: the catalog, the router, prices and the spend cap. */
export class TurnDeps {
  readonly spec: AgentSpec;
  readonly catalog: ToolCatalog;
  readonly router: ModelRouter;
  readonly room: RoomDeps;
  readonly price: ModelPrice | undefined;
  readonly approvalRules: { spec: AgentSpec; policy: () => EffectivePolicy; notices?: ApprovalNotices };
  private readonly agentTools: ReadonlyMap<string, AgentTool>;

  private readonly input: RunInput;
  private readonly policy: () => EffectivePolicy;

  constructor(run: {
    input: RunInput;
    record: RunRecord;
    definitions: ReadonlyMap<string, ToolDefinition>;
    validator: ToolArgsValidator;
    context: ContextWindow;
    publish: () => void;
    /** A continued execution: its warnings were given by the first. */
    resumed: boolean;
    patches: RunPatches;
    /** Approver notifications, in runs of the version that sends them. */
    notices?: ApprovalNotices;
  }) {
    const { input, record } = run;
    const policy = () => record.policy!;
    this.input = input;
    this.spec = input.spec;
    this.agentTools = new Map(input.spec.tools.map((tool) => [tool.name, tool]));
    this.catalog = {
      definitions: run.definitions,
      validator: run.validator,
      agentTools: this.agentTools,
      spec: input.spec,
      identity: accessIdentityOf(input, record.identity),
      policy,
      patches: run.patches,
    };
    this.price = priceFor(input.prices, input.spec.model.name);
    if (!this.price && !run.resumed) {
      record.warnings.push(`model ${input.spec.model.name} has no price: its cost is unknown`);
    }
    this.router = new ModelRouter(input.spec, input.prices, record);
    this.room = { context: run.context, router: this.router, state: record, spec: input.spec, publish: run.publish };
    this.approvalRules = { spec: input.spec, policy, ...(run.notices ? { notices: run.notices } : {}) };
    this.policy = policy;
  }

  /** The daily cap as the run's policy sets it now: an operator applying a new policy may change it mid-run. */
  spendCap(): SpendCapContext | undefined {
    const cap = this.policy().dailySpendUsd?.value;
    const price = this.price;
    return cap !== undefined && price
      ? { userId: this.input.userId, runId: this.room.state.runId, capUsd: cap, price }
      : undefined;
  }

  gateContext(step: number) {
    return { spec: this.spec, policy: this.policy(), agentTools: this.agentTools, step, userId: this.input.userId };
  }
}

/** What tool access judges the run's user by: the identity settled at start, or (older runs) the input's roles. */
function accessIdentityOf(input: RunInput, identity: RunIdentity | undefined): AccessIdentity {
  if (!identity) return callerAccessIdentity(input.userId, input.roles, input.roleDefinitions);
  return {
    userId: identity.userId,
    roles: identity.roles,
    roleDefinitions: identity.roleDefinitions,
    restricted: identity.restricted,
  };
}
