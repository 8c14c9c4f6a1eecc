import { z } from 'zod';
import { connectorLogoSchema } from '../connector-logo';
import { durationSeconds } from '@fedgate/config';
import { connectorIdSchema } from '../connector-id';
import { isLoopbackHost } from '../oidc/oidc-connector.config';

/** https, or http on this machine only (a GitHub stand-in on loopback for development and tests). */
const githubUrl = z.url().refine((value) => {
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}, 'must be an https:// URL (http:// only for localhost or 127.0.0.1)');

/** An organization login as GitHub spells it: letters, digits and single hyphens, up to 39 characters. */
const orgLogin = z
  .string()
  .regex(/^[a-z\d](?:[a-z\d]|-(?=[a-z\d])){0,38}$/i, 'must be a GitHub organization login');

/** The OAuth scopes fedgate needs: the profile, the email addresses, organizations and teams. */
export const GITHUB_SCOPES = ['read:user', 'user:email', 'read:org'] as const;

/**
 * Configuration of a GitHub connector: an OAuth App, or a GitHub App's user
 * authorization, on github.com or a GitHub Enterprise Server
 * (docs/connectors/github.md).
 */
export const githubConnectorConfigSchema = z.strictObject({
  id: connectorIdSchema,
  type: z.literal('github'),
  name: z.string().min(1).optional().describe("Shown on the portal's sign-in page. Default: the id."),
  /** Shown beside the name on the portal's sign-in page. */
  logo: connectorLogoSchema.optional(),
  clientId: z.string().min(1).describe("The OAuth App's or GitHub App's client id."),
  clientSecret: z.string().min(1).describe('Use `${env:…}` or `${file:…}`.'),
  /**
   * Where people sign in: `https://github.com`, or a GitHub Enterprise
   * Server's own URL (its API is then `{baseUrl}/api/v3`).
   */
  baseUrl: githubUrl
    .default('https://github.com')
    .describe("A GitHub Enterprise Server's (or `*.ghe.com`) URL; https, or http on loopback only."),
  /** The REST API's URL when it is not the one `baseUrl` implies. */
  apiUrl: githubUrl
    .optional()
    .describe('`https://api.github.com`, `https://api.{host}` for `*.ghe.com`, or `{baseUrl}/api/v3`.'),
  /**
   * Organizations whose members may sign in (any one of them); empty admits
   * every GitHub user. When set, groups come from these organizations only.
   */
  orgs: z
    .array(orgLogin)
    .default([])
    .describe('Organizations whose members may sign in; empty admits every GitHub user.'),
  /** Per request to GitHub (token, user, emails, orgs, teams). */
  timeout: durationSeconds(1, 60).default(10).describe('Per request to GitHub.'),
});

export type GithubConnectorConfig = z.infer<typeof githubConnectorConfigSchema>;
