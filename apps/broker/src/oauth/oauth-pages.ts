import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { escapeHtml } from '../http/html';

/** A field of a page's form. */
export interface PageField {
  name: string;
  value: string;
}

/** One button of a form; several buttons name the action they post. */
export interface PageForm {
  action: string;
  hidden: readonly PageField[];
  /** A text input the user must fill in, if any. */
  input?: { name: string; label: string; placeholder: string };
  buttons: readonly { name: string; value: string; label: string }[];
}

export interface OAuthPage {
  title: string;
  paragraphs: readonly string[];
  /** Label/value rows shown as a list (what is asking, from where, when). */
  facts?: readonly { label: string; value: string }[];
  form?: PageForm;
  /**
   * Origins the form's answer may redirect to besides fedgate: browsers
   * check `form-action` along the redirects a form post leads to.
   */
  formRedirects?: readonly string[];
}

function renderForm(form: PageForm): string {
  const hidden = form.hidden
    .map(
      (field) => `<input type="hidden" name="${escapeHtml(field.name)}" value="${escapeHtml(field.value)}">`,
    )
    .join('');
  const input =
    form.input === undefined
      ? ''
      : `<p><label for="${escapeHtml(form.input.name)}">${escapeHtml(form.input.label)}</label><br>` +
        `<input id="${escapeHtml(form.input.name)}" name="${escapeHtml(form.input.name)}" ` +
        `placeholder="${escapeHtml(form.input.placeholder)}" autocomplete="off" autocapitalize="characters" spellcheck="false" required></p>`;
  const buttons = form.buttons
    .map(
      (button) =>
        `<button type="submit" name="${escapeHtml(button.name)}" value="${escapeHtml(button.value)}">${escapeHtml(button.label)}</button>`,
    )
    .join(' ');
  return `<form method="post" action="${escapeHtml(form.action)}">${hidden}${input}<p>${buttons}</p></form>`;
}

/**
 * The device and authorization pages: small, every value escaped, no
 * script at all, and the portal's protections (no framing, no caching, no
 * referrer beyond fedgate, forms post to fedgate only).
 */
export function sendOAuthPage(reply: FastifyReply, status: number, page: OAuthPage): void {
  const nonce = randomBytes(16).toString('base64');
  const facts =
    page.facts === undefined
      ? ''
      : `<dl>${page.facts.map((fact) => `<dt>${escapeHtml(fact.label)}</dt><dd>${escapeHtml(fact.value)}</dd>`).join('')}</dl>`;
  const html =
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(page.title)} · fedgate</title>` +
    `<style nonce="${nonce}">body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1b1f24}` +
    'h1{font-size:1.5rem}dt{font-weight:600}dd{margin:0 0 .5rem 0}input{font-size:1.25rem;letter-spacing:.1em}' +
    'button{font-size:1rem;padding:.4rem 1rem}</style></head><body>' +
    `<h1>${escapeHtml(page.title)}</h1>` +
    page.paragraphs.map((text) => `<p>${escapeHtml(text)}</p>`).join('') +
    facts +
    (page.form === undefined ? '' : renderForm(page.form)) +
    '</body></html>';
  void reply
    .status(status)
    .header('Content-Type', 'text/html; charset=utf-8')
    .header(
      'Content-Security-Policy',
      `default-src 'none'; style-src 'nonce-${nonce}'; form-action ${["'self'", ...(page.formRedirects ?? [])].join(' ')}; frame-ancestors 'none'; base-uri 'none'`,
    )
    .header('X-Content-Type-Options', 'nosniff')
    .header('X-Frame-Options', 'DENY')
    // same-origin: a form post's Origin header must name fedgate for the origin check.
    .header('Referrer-Policy', 'same-origin')
    .header('Cache-Control', 'no-store')
    .header('Pragma', 'no-cache')
    .send(html);
}
