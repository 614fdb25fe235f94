import { html, SafeHtml } from './html';
import type { ConsoleSession } from './sessions';

const STYLE = `
body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1b1f24}
header{background:#1b1f24;color:#fff;padding:.6rem 1rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header a{color:#fff}header .who{margin-left:auto}main,#flash,.bulk{padding:0 1rem}
.card{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:.8rem;margin:.8rem 0}
pre{background:#f0f2f4;padding:.5rem;overflow:auto;max-height:20rem;white-space:pre-wrap;word-break:break-all}
.flash-ok{background:#dafbe1;border:1px solid #4ac26b;padding:.5rem;margin:.5rem 0}
.flash-error{background:#ffebe9;border:1px solid #ff8182;padding:.5rem;margin:.5rem 0}
table{border-collapse:collapse;width:100%;background:#fff}td,th{border:1px solid #d0d7de;padding:.3rem;text-align:left;vertical-align:top}
textarea{width:100%;font-family:monospace}form.inline{display:inline-block;margin:.2rem .4rem .2rem 0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .8rem}dt{font-weight:600}
button{padding:.4rem .8rem;font-size:1rem}
`;

/** The page around every view: the signed-in person, a one-time message, and the live region the script refreshes. */
export function layout(options: {
  title: string;
  session?: ConsoleSession;
  flash?: ConsoleSession['flash'];
  version?: string;
  body: SafeHtml;
}): string {
  const { session, flash } = options;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title} · reins console</title>
        <style>
          ${new SafeHtml(STYLE)}
        </style>
      </head>
      <body data-version="${options.version ?? ''}">
        <header>
          <strong>reins console</strong>${
            session
              ? html`<a href="/">Pending approvals</a><a href="/runs">Runs</a>
                  <span class="who"
                    >signed in as <b id="who">${session.identity.userId}</b>${
                      session.identity.roles.length ? html` (${session.identity.roles.join(', ')})` : ''
                    }</span
                  >
                  <form class="inline" method="post" action="/signout">
                    <input type="hidden" name="csrf" value="${session.csrf}" /><button>Sign out</button>
                  </form>`
              : ''
          }
        </header>
        <div id="flash" role="status">${flash ? html`<div class="flash-${flash.kind}">${flash.text}</div>` : ''}</div>
        ${options.body} ${session ? html`<script src="/console.js" defer></script>` : ''}
      </body>
    </html>`.value;
}

/**
 * Refreshes the live region on each server-sent `change`, without reloading the page. Its fetch says so, so that it
 * does not take the one-time message meant for the page the browser is navigating to.
 */
export const CONSOLE_SCRIPT = `(() => {
  const version = document.body.dataset.version || '';
  const events = new EventSource('/events?v=' + encodeURIComponent(version));
  let refreshing = false;
  events.addEventListener('change', async () => {
    if (refreshing) return;
    refreshing = true;
    try {
      const response = await fetch(location.href, { credentials: 'same-origin', headers: { 'x-reins-refresh': '1' } });
      if (!response.ok) return;
      const next = new DOMParser().parseFromString(await response.text(), 'text/html').getElementById('live');
      const current = document.getElementById('live');
      if (next && current) {
        const checked = new Set([...current.querySelectorAll('input[name=item]:checked')].map((box) => box.value));
        // What someone is typing (an edit, a reason) and open editors survive the refresh, card by card.
        const typed = new Map();
        for (const card of current.querySelectorAll('section.request')) {
          const fields = [...card.querySelectorAll('textarea, input[name=reason]')].map((field) => field.value);
          typed.set(card.dataset.run + ' ' + card.dataset.request, { fields, open: card.querySelector('details')?.open });
        }
        current.replaceWith(next);
        for (const box of next.querySelectorAll('input[name=item]')) if (checked.has(box.value)) box.checked = true;
        for (const card of next.querySelectorAll('section.request')) {
          const kept = typed.get(card.dataset.run + ' ' + card.dataset.request);
          if (!kept) continue;
          const fields = [...card.querySelectorAll('textarea, input[name=reason]')];
          fields.forEach((field, index) => { if (kept.fields[index] !== undefined) field.value = kept.fields[index]; });
          const details = card.querySelector('details');
          if (details && kept.open) details.open = true;
        }
        document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || 0) + 1);
      }
    } finally {
      refreshing = false;
    }
  });
})();
`;

export function signInPage(options: { label: string; asksForToken: boolean; error?: string; next?: string }): string {
  return layout({
    title: 'Sign in',
    body: html`<main>
      <h1>Sign in</h1>
      ${options.error ? html`<div class="flash-error">${options.error}</div>` : ''}${
        options.asksForToken
          ? html`<form method="post" action="/signin">
              <label
                >Your ${options.label} <input type="hidden" name="next" value="${options.next ?? '/'}" /><input
                  type="password"
                  name="token"
                  autocomplete="current-password"
                  required
              /></label>
              <button>Sign in</button>
            </form>`
          : html`<p><a href="/auth/start">Sign in with ${options.label}</a></p>`
      }
    </main>`,
  });
}
