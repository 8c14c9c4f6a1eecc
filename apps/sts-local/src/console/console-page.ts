import type { Caller } from '../sts/caller';

/** What the demo console page shows about a session. */
export interface ConsoleSession {
  caller: Caller;
  destination: string;
  issuer?: string;
  consoleExpiresAt: number;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function row(name: string, value: string | undefined): string {
  return value === undefined ? '' : `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`;
}

/**
 * A minimal stand-in for the AWS console after a federation login: who the
 * session is (account, role, session name, SourceIdentity, tags) and when
 * it ends. Every value is HTML-escaped; nothing secret is on the page.
 */
export function renderConsolePage(session: ConsoleSession): string {
  const { caller } = session;
  const tags = Object.entries(caller.principalTags)
    .map(([key, value]) => `<li><code>${escapeHtml(key)}</code> = <code>${escapeHtml(value)}</code></li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sts-local console</title>
<style>body{font-family:sans-serif;margin:2rem}th{text-align:left;padding-right:1rem}</style></head>
<body><h1>sts-local console</h1>
<p>You are signed in to the sts-local demo console (no real AWS console is involved).</p>
<table>
${row('Account', caller.accountId)}
${row('Role', caller.role?.role.config.name)}
${row('Session name', caller.role?.sessionName)}
${row('Federated user', caller.kind === 'federated-user' ? caller.arn : undefined)}
${row('ARN', caller.arn)}
${row('SourceIdentity', caller.sourceIdentity)}
${row('Console session ends', new Date(session.consoleExpiresAt).toISOString())}
${row('Destination', session.destination)}
${row('Issuer', session.issuer)}
</table>
<h2>Session tags</h2>
${tags === '' ? '<p>none</p>' : `<ul>${tags}</ul>`}
</body></html>
`;
}
