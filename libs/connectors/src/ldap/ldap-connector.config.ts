import { z } from 'zod';
import { connectorLogoSchema } from '../connector-logo';
import { durationRanges } from '@fedgate/config';
import { parseDurationSeconds } from '@fedgate/core';
import { connectorIdSchema } from '../connector-id';
import { filterTemplateProblem } from './templates';

/** A search filter template with these placeholders, checked to parse (RFC 4515) at load. */
const filterTemplate = (allowed: readonly string[], required: readonly string[]) =>
  z.string().superRefine((template, context) => {
    const problem = filterTemplateProblem(template, allowed, required);
    if (problem !== undefined) {
      context.addIssue({ code: 'custom', message: problem });
    }
  });

const timeoutMs = (fallback: number) => {
  const schema = z.union([z.string(), z.number()]).transform((value, context) => {
    const seconds = parseDurationSeconds(value);
    if (seconds === undefined || seconds < 1 || seconds > 60) {
      context.addIssue({ code: 'custom', message: 'must be a duration between 1s and 1m' });
      return z.NEVER;
    }
    return seconds * 1000;
  });
  // Its range, for the published JSON Schema.
  durationRanges.add(schema, { minSeconds: 1, maxSeconds: 60, milliseconds: true });
  return schema.default(fallback);
};

const ldapUrl = z
  .string()
  .regex(/^ldaps?:\/\/[^/\s]+\/?$/, 'must be ldap://host[:port] or ldaps://host[:port]');

const groupsSchema = z.discriminatedUnion(
  'mode',
  [
    /** The user entry's memberOf values (OpenLDAP memberof overlay, Active Directory: direct groups only). */
    z.strictObject({ mode: z.literal('memberOf'), attribute: z.string().default('memberOf') }),
    /** Groups found by a search; `{dn}` and `{username}` are escaped (RFC 4515) into the filter. */
    z.strictObject({
      mode: z.literal('search'),
      baseDn: z.string().min(1),
      filter: filterTemplate(['dn', 'username'], []).default('(|(member={dn})(uniqueMember={dn}))'),
    }),
    /** Active Directory's LDAP_MATCHING_RULE_IN_CHAIN: every group the user is in, however nested. */
    z.strictObject({ mode: z.literal('ad-nested'), baseDn: z.string().min(1) }),
    /** Directories without the matching rule: member-of-member search, bounded and cycle-safe. */
    z.strictObject({
      mode: z.literal('recursive'),
      baseDn: z.string().min(1),
      maxDepth: z.number().int().min(1).max(20).default(8),
    }),
  ],
  { error: 'groups.mode must be one of: memberOf, search, ad-nested, recursive' },
);

/** Configuration of the LDAP / Active Directory password connector (search-then-bind). */
export const ldapConnectorConfigSchema = z
  .strictObject({
    id: connectorIdSchema,
    type: z.literal('ldap'),
    name: z.string().optional().describe("Shown on the portal's sign-in page. Default: the id."),
    /** Shown beside the name on the portal's sign-in page. */
    logo: connectorLogoSchema.optional(),
    url: ldapUrl.describe('`ldaps://host[:port]` or `ldap://host[:port]`.'),
    /** Upgrade ldap:// with StartTLS; a failed upgrade aborts before any credential is sent. */
    startTls: z
      .boolean()
      .default(false)
      .describe(
        'Upgrade `ldap://` with StartTLS. If the upgrade fails, the login fails before any credential is sent.',
      ),
    /** Allow ldap:// without StartTLS. Only for tests; start-up warns. */
    insecure: z
      .boolean()
      .default(false)
      .describe('Allow `ldap://` without StartTLS (passwords in clear). For tests only.'),
    tls: z
      .strictObject({
        /** PEM of the CA(s) that sign the directory's certificate; the system store when absent. */
        ca: z
          .string()
          .optional()
          .describe("PEM of the CA(s) that sign the directory's certificate (use `${file:…}`)."),
        /** The name to verify in the certificate, when it differs from the URL's host. */
        serverName: z
          .string()
          .optional()
          .describe(
            'The name to verify in the certificate. Hostnames are always verified; TLS 1.2 or newer.',
          ),
      })
      .prefault({}),
    /** The service account that searches for users and groups. */
    bindDn: z.string().min(1).describe('The DN of the service account that searches.'),
    bindPassword: z.string().min(1).describe("The service account's password, by reference."),
    connectTimeout: timeoutMs(5000).describe(
      'How long connecting may take. A directory that accepts connections and never answers fails the login within it.',
    ),
    operationTimeout: timeoutMs(5000).describe('How long one LDAP operation may take.'),
    /** Which spellings of a username are accepted, and reduced to the plain name the filter uses. */
    usernames: z
      .strictObject({
        /** NetBIOS domains accepted in `DOMAIN\user`. */
        downLevelDomains: z
          .array(z.string().min(1))
          .default([])
          .describe('NetBIOS domains accepted as `DOMAIN\\user` (case-insensitive); others are refused.'),
        /** Suffixes accepted in `user@suffix`. */
        upnSuffixes: z
          .array(z.string().min(1))
          .default([])
          .describe(
            'Suffixes accepted as `user@suffix` and reduced to `user`. With none listed, `@` is part of the name.',
          ),
      })
      .prefault({}),
    userSearch: z.strictObject({
      baseDn: z.string().min(1).describe('Where users are searched (subtree).'),
      /** `{username}` is replaced by the escaped (RFC 4515) plain username. */
      filter: filterTemplate(['username'], ['username'])
        .default('(uid={username})')
        .describe(
          'Must contain `{username}` and no other placeholder, and must parse as an LDAP filter: otherwise the config is refused at load. `{username}` is replaced by the canonical account name ([connectors/ldap.md](connectors/ldap.md)) escaped per RFC 4515, inserted literally (`$&` in a name is just `$&`). Exactly one entry must match.',
        ),
    }),
    /** Entry attributes that make the identity. */
    attributes: z
      .strictObject({
        subject: z
          .string()
          .default('entryUUID')
          .describe('The immutable id (`objectGUID` on AD, shown as a GUID).'),
        username: z.string().default('uid'),
        email: z.string().default('mail'),
        displayName: z.string().default('cn'),
        /** Identity attribute name → LDAP attribute, e.g. `department: departmentNumber`. */
        extra: z
          .record(z.string(), z.string())
          .default({})
          .describe(
            'Identity attribute → LDAP attribute, for mapping rules and session tags. Multi-valued attributes keep every value.',
          ),
      })
      .prefault({}),
    groups: groupsSchema.optional(),
    /** How group names appear in the identity: the group's `cn`, or its full DN. */
    groupName: z
      .enum(['cn', 'dn'])
      .default('cn')
      .describe('Groups in the identity by `cn` (unescaped, e.g. `Dev, Ops`) or by full `dn`.'),
    /** Which account-state checks apply: Active Directory attributes and bind codes, or OpenLDAP ppolicy. */
    directory: z
      .enum(['openldap', 'active-directory'])
      .default('openldap')
      .describe('Which account-state checks apply ([connectors/ldap.md](connectors/ldap.md)).'),
  })
  .superRefine((config, context) => {
    if (config.url.startsWith('ldap://') && !config.startTls && !config.insecure) {
      context.addIssue({
        code: 'custom',
        path: ['url'],
        message:
          'ldap:// sends passwords in clear: use ldaps://, set startTls: true, or (tests only) insecure: true',
      });
    }
    if (config.url.startsWith('ldaps://') && config.startTls) {
      context.addIssue({
        code: 'custom',
        path: ['startTls'],
        message: 'StartTLS is for ldap:// URLs, not ldaps://',
      });
    }
  });

export type LdapConnectorConfig = z.infer<typeof ldapConnectorConfigSchema>;
