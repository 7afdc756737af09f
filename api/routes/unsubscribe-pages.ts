import type { UnsubscribeClaims } from '../../common/outreach/unsubscribe';

/** The small HTML pages of the unsubscribe flow. Every value is escaped. */
export function confirmationPage(claims: UnsubscribeClaims, actionUrl: string): string {
  return page(
    'Unsubscribe',
    `<p>Stop ${escapeHtml(claims.category)} messages from ${escapeHtml(claims.brand)}?</p>
<form method="post" action="${escapeHtml(actionUrl)}">
  <input type="hidden" name="List-Unsubscribe" value="One-Click">
  <button type="submit">Unsubscribe</button>
</form>`,
  );
}

export function donePage(claims: UnsubscribeClaims): string {
  return page(
    'Unsubscribed',
    `<p>You will no longer receive ${escapeHtml(claims.category)} messages from ${escapeHtml(claims.brand)}.</p>`,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
