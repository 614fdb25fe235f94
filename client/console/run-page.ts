import type { RunState } from '../../common/run-state';
import type { RunSummary } from '../run-queries';
import { decideRefusal } from './authz';
import { bounded, html, type SafeHtml } from './html';
import { costText, requestCard } from './request-card';
import type { ConsoleSession } from './sessions';

interface TimelineEntry {
  step: number;
  at?: string;
  kind: string;
  text: SafeHtml;
}

/** What the run did, in order: model calls, tool calls with class and outcome, decisions, compactions, errors. */
export function timeline(state: RunState): TimelineEntry[] {
  const classOf = new Map(state.approvalRequests.map((request) => [request.requestId, request.toolClass]));
  const entries: TimelineEntry[] = [
    ...state.modelCalls.map((call) => ({
      step: call.step,
      at: call.at,
      kind: 'model call',
      text: html`${bounded(call.provider)}/${bounded(call.model)}: ${call.inputTokens} in, ${call.outputTokens} out,
      ${call.costUsd === null ? 'unpriced' : `$${call.costUsd.toFixed(4)}`}, ${call.latencyMs} ms,
      ${bounded(call.finishReason)}`,
    })),
    ...state.approvalRequests.map((request) => ({
      step: request.step,
      at: request.requestedAt,
      kind: 'approval asked',
      text: html`${bounded(request.tool)} (${request.toolClass}) by rule ${bounded(request.rule, 300)}`,
    })),
    ...state.decisions.map((decision) => ({
      step: state.approvalRequests.find((request) => request.requestId === decision.requestId)?.step ?? 0,
      at: decision.decidedAt,
      kind: decision.decision === 'approve' ? 'approved' : 'rejected',
      text: html`${bounded(decision.tool)} by <b>${bounded(decision.by)}</b> (${decision.via})${
          decision.reason ? html`: ${bounded(decision.reason, 500)}` : ''
        }${decision.editedArgs ? ' with edited arguments' : ''}`,
    })),
    ...state.toolCalls.map((call) => ({
      step: call.step,
      kind: 'tool call',
      text: html`${bounded(call.tool)} (${classOf.get(call.callId) ?? 'class not gated'}): <b>${call.outcome}</b>${
          call.detail ? html` — ${bounded(call.detail, 300)}` : ''
        }`,
    })),
    ...state.compactions.map((compaction) => ({
      step: compaction.step,
      at: compaction.at,
      kind: 'compaction',
      text: html`${compaction.replacedMessages} messages (${compaction.replacedTokens} tokens) summarised in
      ${compaction.summaryTokens} tokens`,
    })),
    ...state.ignoredDecisions.map((ignored) => ({
      step: 0,
      at: ignored.receivedAt,
      kind: 'decision ignored',
      text: html`from ${bounded(ignored.by)}: ${bounded(ignored.why, 300)}`,
    })),
    ...(state.lastError
      ? [
          {
            step: state.lastError.step,
            kind: 'error',
            text: html`${state.lastError.type}: ${bounded(state.lastError.message, 500)}`,
          },
        ]
      : []),
  ];
  // Stable order: by step, then by time where both have one (tool calls keep their place after their step's events).
  return entries
    .map((entry, index) => ({ entry, index }))
    .sort(
      (a, b) =>
        a.entry.step - b.entry.step ||
        (a.entry.at && b.entry.at ? a.entry.at.localeCompare(b.entry.at) : 0) ||
        a.index - b.index,
    )
    .map(({ entry }) => entry);
}

export function runBody(options: { session: ConsoleSession; state: RunState; transcript?: SafeHtml }): SafeHtml {
  const { session, state } = options;
  const back = `/runs/${encodeURIComponent(state.runId)}`;
  return html`<main id="live">
    <h1>Run ${bounded(state.runId)}</h1>
    <dl>
      <dt>status</dt>
      <dd class="status">${state.status}</dd>
      <dt>agent</dt>
      <dd>${bounded(state.agent)}</dd>
      <dt>user</dt>
      <dd>${bounded(state.userId)}</dd>
      ${
        state.team
          ? html`<dt>team</dt>
              <dd>${bounded(state.team)}</dd>`
          : ''
      }
      <dt>step</dt>
      <dd>${state.step} of ${state.maxSteps}</dd>
      <dt>cost and tokens</dt>
      <dd>${costText(state)}</dd>
      ${
        state.reason
          ? html`<dt>reason</dt>
              <dd>${bounded(state.reason, 500)}</dd>`
          : ''
      }
    </dl>
    ${state.pendingApprovals.map((request) => {
      const refusal = decideRefusal(request, session.identity);
      return refusal
        ? html`<div class="card">Pending: ${bounded(request.tool)} — ${refusal}</div>`
        : requestCard({ state, request, csrf: session.csrf, back, selectable: false });
    })}
    <h2>Timeline</h2>
    <table class="timeline">
      <thead>
        <tr>
          <th>step</th>
          <th>when</th>
          <th>what</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${timeline(state).map(
          (entry) =>
            html`<tr class="event">
              <td>${entry.step}</td>
              <td>${entry.at ?? ''}</td>
              <td>${entry.kind}</td>
              <td>${entry.text}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${
      state.answer
        ? html`<h2>Answer</h2>
            <pre>${bounded(state.answer, 20_000)}</pre>`
        : ''
    }
    ${options.transcript ?? ''}
  </main>`;
}

export interface RunFilters {
  agent?: string;
  user?: string;
  team?: string;
  status?: string;
}

export function runsBody(options: { runs: RunSummary[]; filters: RunFilters; error?: string }): SafeHtml {
  const { filters } = options;
  const field = (name: keyof RunFilters) =>
    html`<label>${name} <input name="${name}" value="${filters[name] ?? ''}" maxlength="200" /></label> `;
  return html`<main id="live">
    <h1>Runs</h1>
    <form method="get" action="/runs">
      ${field('agent')}${field('user')}${field('team')}${field('status')}<button>Filter</button>
    </form>
    ${options.error ? html`<div class="flash-error">${options.error}</div>` : ''}
    <table class="runs">
      <thead>
        <tr>
          <th>run</th>
          <th>agent</th>
          <th>user</th>
          <th>team</th>
          <th>status</th>
          <th>tokens</th>
          <th>pending</th>
          <th>started</th>
        </tr>
      </thead>
      <tbody>
        ${options.runs.map(
          (run) =>
            html`<tr>
              <td><a href="/runs/${encodeURIComponent(run.runId)}">${bounded(run.runId)}</a></td>
              <td>${bounded(run.agent ?? '')}</td>
              <td>${bounded(run.user ?? '')}</td>
              <td>${bounded(run.team ?? '')}</td>
              <td>${run.status}</td>
              <td>${run.tokens ?? ''}</td>
              <td>${run.pendingApprovals ?? ''}</td>
              <td>${run.startedAt}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </main>`;
}
