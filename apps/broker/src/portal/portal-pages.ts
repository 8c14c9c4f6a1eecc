import { join } from 'node:path';
import { Eta } from 'eta';
import type { AccountView, PermissionSetView } from './view-models/accounts-view';
import type { SessionView } from './view-models/session-view';
import type { SignInView } from './view-models/sign-in-view';
import type { Snippet } from './view-models/snippets';

/** The templates, beside this file: in the sources, and in dist/ where the build copies them (scripts/copy-build-assets.cjs). */
export const PORTAL_VIEWS_DIR = join(__dirname, 'views');

/** What every signed-in page has: the session panel and the CSRF token its forms carry. */
export interface SignedInPage {
  session: SessionView;
  csrfToken: string;
}

export interface CommandLinePage extends SignedInPage {
  account: AccountView;
  permissionSet: PermissionSetView;
  profile: { name: string; snippet: Snippet };
  credentials?: { expiration: string; expirationText: string; snippets: Snippet[] };
}

/**
 * Renders the portal's pages with Eta, which escapes every `<%= %>` value
 * (autoEscape): a display name or tag value holding `<script>` shows as
 * text. Templates are compiled once and cached.
 */
export class PortalPages {
  private readonly eta: Eta;

  constructor(viewsDir: string = PORTAL_VIEWS_DIR) {
    this.eta = new Eta({ views: viewsDir, autoEscape: true, cache: true, defaultExtension: '.eta' });
  }

  signIn(view: SignInView): string {
    return this.eta.render('./sign-in', view);
  }

  accounts(page: SignedInPage & { accounts: AccountView[] }): string {
    return this.eta.render('./accounts', page);
  }

  commandLine(page: CommandLinePage): string {
    return this.eta.render('./command-line', page);
  }

  error(page: { title: string; message: string } & Partial<SignedInPage>): string {
    return this.eta.render('./error', page);
  }
}
