import type { ApproverSet } from '../../common/policy/approval-settings';
import type { ApprovalRequest, RunState } from '../../common/run-state';
import { bounded, boundedJson, html, type SafeHtml } from './html';
import { bulkItem } from './request-body';

const approverText = (set: ApproverSet | undefined): string =>
  set ? [...set.users.map((user) => `user ${user}`), ...set.roles.map((role) => `role ${role}`)].join(', ') : 'anyone';

/** The money a run has spent so far, as it reports it. */
export const costText = (state: RunState): string =>
  `$${state.usage.costUsd.toFixed(4)}${state.usage.costUnknown ? ' (some calls unpriced)' : ''} · ${state.usage.totalTokens} tokens`;

function hidden(fields: Array<[string, string]>): SafeHtml {
  return html`${fields.map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`)}`;
}

/** One pending request: what the agent wants to do and why it waits, with the three ways to decide it. */
export function requestCard(options: {
  state: RunState;
  request: ApprovalRequest;
  csrf: string;
  back: string;
  selectable: boolean;
}): SafeHtml {
  const { state, request, csrf, back } = options;
  const base: Array<[string, string]> = [
    ['csrf', csrf],
    ['runId', state.runId],
    ['requestId', request.requestId],
    ['back', back],
  ];
  const argsText = boundedJson(request.editedArgs ?? request.args, 20_000);
  const quorum = request.quorum ?? 1;
  return html`<section class="card request" data-run="${state.runId}" data-request="${request.requestId}">
    ${options.selectable ? html`<label><input type="checkbox" form="bulk" name="item" value="${bulkItem(state.runId, request.requestId)}" /> select</label>` : ''}
    <h3>
      <span class="tool">${bounded(request.tool)}</span> <small>(${request.toolClass})</small> in
      <a href="/runs/${encodeURIComponent(state.runId)}">${bounded(state.runId)}</a>
    </h3>
    <dl>
      <dt>agent</dt>
      <dd class="agent">${bounded(state.agent)}</dd>
      <dt>user</dt>
      <dd class="user">${bounded(state.userId)}</dd>
      ${
        state.team
          ? html`<dt>team</dt>
              <dd>${bounded(state.team)}</dd>`
          : ''
      }
      <dt>tool</dt>
      <dd>${bounded(request.tool)} (class ${request.toolClass})</dd>
      <dt>rule</dt>
      <dd class="rule">${bounded(request.rule, 500)}</dd>
      ${
        request.reasoning
          ? html`<dt>the model said</dt>
              <dd class="reasoning">${bounded(request.reasoning, 2_000)}</dd>`
          : ''
      }
      <dt>cost so far</dt>
      <dd class="cost">${costText(state)}</dd>
      <dt>requested</dt>
      <dd>
        ${request.requestedAt}; ${request.onTimeout === 'escalate' ? 'escalates' : 'rejected'} at ${request.expiresAt}
        (${request.stage})
      </dd>
      <dt>approvers</dt>
      <dd>
        ${approverText(request.approvers)}${quorum > 1 ? html` · ${request.approvals?.length ?? 0} of ${quorum} approvals` : ''}
      </dd>
      ${(request.paths ?? []).map(
        (p) =>
          html`<dt>${bounded(p.arg)} resolves</dt>
            <dd>
              ${bounded(p.requested, 300)} → ${p.resolved === null ? 'does not resolve' : bounded(p.resolved, 300)}
            </dd>`,
      )}
    </dl>
    <pre class="args">${argsText}</pre>
    <form class="inline" method="post" action="/decide">
      ${hidden([...base, ['decision', 'approve']])}<button class="approve">Approve</button>
    </form>
    <form class="inline" method="post" action="/decide">
      ${hidden([...base, ['decision', 'reject']])}<input
        name="reason"
        placeholder="reason for rejecting"
        required
        maxlength="2000"
      />
      <button class="reject">Reject</button>
    </form>
    <details>
      <summary>Edit arguments</summary>
      <form method="post" action="/decide">
        ${hidden([...base, ['decision', 'approve']])} <textarea name="editedArgs" rows="8">${argsText}</textarea
        ><input name="reason" placeholder="why (optional)" maxlength="2000" />
        <button class="edit">Approve with these arguments</button>
      </form>
    </details>
  </section>`;
}
