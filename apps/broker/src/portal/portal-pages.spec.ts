import { PortalPages } from './portal-pages';
import type { AccountView } from './view-models/accounts-view';
import type { SessionView } from './view-models/session-view';
import { signInView } from './view-models/sign-in-view';

const INJECTED = '<script>alert(1)</script><img src=x onerror=alert(2)>';

const session: SessionView = {
  name: INJECTED,
  username: 'alice',
  email: undefined,
  connectorName: INJECTED,
  mfa: 'No',
  endsAt: '2026-12-05T17:00:00.000Z',
  endsAtText: '2026-12-05 17:00 UTC',
};

const account: AccountView = {
  id: '123456789012',
  name: 'demo',
  partition: 'aws',
  searchText: `demo ${INJECTED}`,
  permissionSets: [
    {
      name: 'Developer',
      description: INJECTED,
      duration: '1h',
      durationReason: `1h: ${INJECTED}`,
      requiresMfa: false,
      issuable: true,
      notIssuableBecause: [],
      commandLinePath: '/accounts/123456789012/Developer',
      consolePath: '/console/123456789012/Developer',
    },
  ],
};

/** Every tag that would run or style inline: <script> without src, <style>, on…= and style= attributes. */
function inlineCode(html: string): string[] {
  // Escaped text holds no "<", so this sees only real tags.
  // Quoted attribute values are emptied: an escaped value may read " onerror=" as text.
  const tags = (html.match(/<[a-zA-Z][^>]*>/g) ?? []).map((tag) => tag.replace(/"[^"]*"/g, '""'));
  return tags.filter(
    (tag) =>
      (/^<script\b/.test(tag) && !/\ssrc=/.test(tag)) ||
      /^<style\b/.test(tag) ||
      /\s(on[a-z]+|style)=/.test(tag),
  );
}

describe('the portal pages', () => {
  const pages = new PortalPages();

  it('render values as text: an injected tag is escaped, wherever it appears', () => {
    const html = pages.accounts({ session, csrfToken: 'token-123', accounts: [account] });
    expect(html).not.toContain(INJECTED);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(inlineCode(html)).toEqual([]);
  });

  it('give every form of a signed-in page the CSRF token and post the console in a new tab', () => {
    const html = pages.accounts({ session, csrfToken: 'token-123', accounts: [account] });
    expect(html).toContain(
      '<form method="post" action="/console/123456789012/Developer" target="_blank" rel="noopener">',
    );
    expect(html.match(/name="csrf_token" value="token-123"/g)).toHaveLength(2);
    // The filter box needs script: it stays hidden until portal.js shows it.
    expect(html).toMatch(/<div class="filter" id="filter-box" hidden>/);
  });

  it('render the sign-in page with the return path and an error by its form', () => {
    const html = pages.signIn(
      signInView([{ id: 'demo', name: INJECTED, kind: 'password' }], {
        returnTo: '/console/1/"><script>',
        failure: {
          connectorId: 'demo',
          username: '"><b>',
          message: 'The username or password is not right.',
        },
      }),
    );
    expect(html).not.toContain(INJECTED);
    expect(html).not.toContain('"><script>');
    expect(html).not.toContain('"><b>');
    expect(html).toContain('role="alert" id="error-demo">The username or password is not right.</p>');
    expect(html).toContain(
      '<input type="hidden" name="return_to" value="/console/1/&quot;&gt;&lt;script&gt;">',
    );
    expect(inlineCode(html)).toEqual([]);
  });

  it('show credentials only when given, and copy buttons hidden until script runs', () => {
    const base = {
      session,
      csrfToken: 't',
      account,
      permissionSet: account.permissionSets[0]!,
      profile: {
        name: 'demo-Developer',
        snippet: { id: 'config', title: '~/.aws/config', hint: 'h', text: 'x' },
      },
    };
    const without = pages.commandLine(base);
    expect(without).toContain('id="show-credentials"');
    expect(without).not.toContain('snippet-bash');
    const withSecrets = pages.commandLine({
      ...base,
      credentials: {
        expiration: '2026-12-05T11:00:00Z',
        expirationText: '2026-12-05 11:00 UTC',
        snippets: [{ id: 'bash', title: 'bash and zsh', hint: 'h', text: "export A='b'" }],
      },
    });
    expect(withSecrets).toContain('<code id="snippet-bash">export A=&#39;b&#39;</code>');
    expect(withSecrets).toContain('data-copy="snippet-bash" hidden>');
    expect(inlineCode(withSecrets)).toEqual([]);
  });
});
