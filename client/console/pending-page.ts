import type { PendingItem } from './console-data';
import { html, type SafeHtml } from './html';
import { requestCard } from './request-card';
import type { ConsoleSession } from './sessions';

/** Every request the signed-in person may decide, with a bulk form for a selection of them. */
export function pendingBody(options: {
  session: ConsoleSession;
  items: PendingItem[];
  hiddenCount: number;
  unavailable: Array<{ runId: string; error: string }>;
}): SafeHtml {
  const { session, items } = options;
  return html`<div class="bulk card">
      <h1>Pending approvals</h1>
      <form id="bulk" method="post" action="/decide/bulk">
        <input type="hidden" name="csrf" value="${session.csrf}" /> Selected requests:
        <button name="decision" value="approve" class="bulk-approve">Approve selected</button>
        <input name="reason" placeholder="reason (needed to reject)" maxlength="2000" />
        <button name="decision" value="reject" class="bulk-reject">Reject selected</button>
      </form>
    </div>
    <main id="live">
      <p class="count">
        ${items.length} request(s) you may
        decide${options.hiddenCount ? html`; ${options.hiddenCount} more wait for other approvers` : ''}.
      </p>
      ${options.unavailable.map((run) => html`<div class="flash-error">run ${run.runId}: ${run.error}</div>`)}
      ${items.map((item) => requestCard({ state: item.state, request: item.request, csrf: session.csrf, back: '/', selectable: true }))}
    </main>`;
}
