import { escapeHtml } from './html';

/**
 * A page that posts a form to the identity provider at once (SAML HTTP-POST
 * binding), with a button for browsers that run no script. The caller sends
 * it with a Content-Security-Policy that allows only this page's own script.
 */
export function autoPostForm(
  action: string,
  fields: Readonly<Record<string, string>>,
  nonce: string,
): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  return (
    '<!doctype html><html><head><meta charset="utf-8"><title>Signing in…</title></head><body>' +
    `<form method="post" action="${escapeHtml(action)}">${inputs}` +
    '<noscript><button type="submit">Continue to sign in</button></noscript></form>' +
    `<script nonce="${escapeHtml(nonce)}">document.forms[0].submit()</script></body></html>`
  );
}
