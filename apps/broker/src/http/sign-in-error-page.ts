import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { FedgateError } from '@fedgate/core';
import { escapeHtml } from './html';

/** The replies of sign-in steps that are under way. */
const errorPageReplies = new WeakSet<FastifyReply>();

/**
 * Marks a response as a browser's sign-in step: if it fails, the errors
 * filter answers with a page a person can read instead of JSON (a browser
 * coming back from an identity provider shows whatever it gets).
 */
export function answerErrorsAsPage(response: FastifyReply): void {
  errorPageReplies.add(response);
}

export function wantsErrorPage(response: FastifyReply): boolean {
  return errorPageReplies.has(response);
}

/**
 * The page a browser sees when a sign-in fails: what happened in words (the
 * error's client-safe message, never its detail), a way to start again, and
 * a time the administrator can find the audit line by.
 */
export function sendSignInErrorPage(
  response: FastifyReply,
  status: number,
  error: FedgateError,
  message: string,
): void {
  const nonce = randomBytes(16).toString('base64');
  const at = new Date().toISOString();
  const html =
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<title>Sign-in failed · fedgate</title>' +
    `<style nonce="${nonce}">body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1b1f24}` +
    'h1{font-size:1.5rem}code{background:#f3f4f6;padding:0 .25rem}</style></head><body>' +
    '<h1>Sign-in failed</h1>' +
    `<p id="message">${escapeHtml(message)}</p>` +
    '<p><a href="/">Start again</a></p>' +
    '<p>If this keeps happening, ask your fedgate administrator and give them this: ' +
    `<code id="reference">${escapeHtml(error.code)} at ${escapeHtml(at)}</code>.</p>` +
    '</body></html>';
  void response
    .status(status)
    .header('Content-Type', 'text/html; charset=utf-8')
    .header('Cache-Control', 'no-store')
    .header('Referrer-Policy', 'no-referrer')
    .header(
      'Content-Security-Policy',
      `default-src 'none'; style-src 'nonce-${nonce}'; frame-ancestors 'none'`,
    )
    .send(html);
}
