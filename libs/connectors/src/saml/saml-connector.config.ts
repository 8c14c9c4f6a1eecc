import { z } from 'zod';
import { connectorLogoSchema } from '../connector-logo';
import { durationSeconds, httpUrl } from '@fedgate/config';
import { connectorIdSchema } from '../connector-id';

/** SAML name identifier formats (SAML 2.0 core, 8.3). */
export const NAME_ID_FORMATS = {
  persistent: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  emailAddress: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  unspecified: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
  transient: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
} as const;

/**
 * Authentication context classes that mean a second factor: SAML 2.0's own,
 * REFEDS MFA, and what AD FS and Entra ID send after multi-factor sign-in.
 */
export const DEFAULT_MFA_CONTEXTS = [
  'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract',
  'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorUnregistered',
  'urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken',
  'https://refeds.org/profile/mfa',
  'http://schemas.microsoft.com/claims/multipleauthn',
];

const pem = (what: 'CERTIFICATE' | 'PRIVATE KEY') =>
  z
    .string()
    .regex(
      what === 'CERTIFICATE' ? /-----BEGIN CERTIFICATE-----/ : /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
      what === 'CERTIFICATE'
        ? 'must be a PEM certificate (use ${file:/path/cert.pem})'
        : 'must be a PEM private key (use ${file:/path/key.pem}, never inline)',
    );

/** A relative path on fedgate, for the landing page after an IdP-initiated sign-in. */
const landingPath = z
  .string()
  .regex(/^\/(?![/\\])[^\\\s]*$/, 'must be a relative path on fedgate, such as / or /console');

/** Where the IdP's entityID, SSO URL and signing certificates come from: metadata, or set by hand. */
const idpSchema = z
  .strictObject({
    /** IdP metadata XML on disk; re-read every metadataRefresh. */
    metadataFile: z
      .string()
      .min(1)
      .optional()
      .describe(
        'IdP metadata on disk. Read at start (a bad file stops start-up) and every `metadataRefresh`.',
      ),
    /** IdP metadata by URL (https, or http on loopback for tests); re-fetched every metadataRefresh. */
    metadataUrl: httpUrl
      .optional()
      .describe(
        'IdP metadata by https (http only on loopback). Fetched at start in the background and every `metadataRefresh`; until the first copy arrives, sign-ins fail with `idp_unavailable` ([metadata](connectors/saml.md#idp-metadata-refresh-and-signature)).',
      ),
    metadataRefresh: durationSeconds(60, 7 * 24 * 3600)
      .default(3600)
      .describe(
        '1m–7d. A failed refresh keeps the last good copy and logs `SAML IdP metadata refresh failed` (warn) with the reason ([metadata](connectors/saml.md#idp-metadata-refresh-and-signature)).',
      ),
    /**
     * Certificates that sign the metadata (recommended for metadataUrl): when
     * set, metadata without a valid signature by one of them is refused.
     * Several at once while the signer rotates.
     */
    metadataSigningCertificates: z
      .array(pem('CERTIFICATE'))
      .min(1)
      .optional()
      .describe(
        'Recommended with `metadataUrl` when the IdP signs its metadata (Entra ID, AD FS): metadata without a valid signature by one of these certificates is refused. Only with `metadataFile` or `metadataUrl`.',
      ),
    /** Without metadata: the IdP's entityID, its HTTP-Redirect SSO URL and its signing certificates. */
    entityId: z
      .string()
      .min(1)
      .optional()
      .describe("Instead of metadata: the IdP's entity ID, with `ssoUrl` and `certificates`."),
    ssoUrl: httpUrl.optional().describe("Instead of metadata: the IdP's HTTP-Redirect single sign-on URL."),
    /** Several at once while the IdP rotates its key. */
    certificates: z
      .array(pem('CERTIFICATE'))
      .min(1)
      .optional()
      .describe("Instead of metadata: the IdP's signing certificates (PEM, `${file:…}`)."),
  })
  .superRefine((idp, context) => {
    const sources = [idp.metadataFile, idp.metadataUrl].filter((source) => source !== undefined).length;
    const manual = idp.entityId !== undefined || idp.ssoUrl !== undefined || idp.certificates !== undefined;
    if (sources > 1 || (sources === 1 && manual)) {
      context.addIssue({
        code: 'custom',
        message: 'set one of metadataFile, metadataUrl, or entityId with ssoUrl and certificates',
      });
    } else if (
      sources === 0 &&
      (idp.entityId === undefined || idp.ssoUrl === undefined || idp.certificates === undefined)
    ) {
      context.addIssue({
        code: 'custom',
        message: 'needs metadataFile, metadataUrl, or all of entityId, ssoUrl and certificates',
      });
    }
    if (idp.metadataSigningCertificates !== undefined && sources === 0) {
      context.addIssue({
        code: 'custom',
        path: ['metadataSigningCertificates'],
        message: 'needs metadataFile or metadataUrl: only metadata carries a signature to check',
      });
    }
    // The URL's own schema issue is reported already; a value that is no URL has nothing more to check.
    if (idp.metadataUrl !== undefined && URL.canParse(idp.metadataUrl)) {
      const url = new URL(idp.metadataUrl);
      if (url.protocol === 'http:' && !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) {
        context.addIssue({
          code: 'custom',
          path: ['metadataUrl'],
          message: 'must be https (http only on loopback): the metadata carries the keys fedgate trusts',
        });
      }
    }
  });

/** fedgate as the Service Provider: its entityID and keys. */
const spSchema = z
  .strictObject({
    /** fedgate's entityID at this IdP; `{publicUrl}/auth/{id}/metadata` when absent. */
    entityId: z.string().min(1).optional().describe("fedgate's entity ID at this IdP."),
    /** Signs AuthnRequests (signAuthnRequests) and is published in the SP metadata. */
    signingKey: pem('PRIVATE KEY')
      .optional()
      .describe('Signs AuthnRequests when `signAuthnRequests` is true (PEM, `${file:…}`).'),
    signingCertificate: pem('CERTIFICATE')
      .optional()
      .describe('The certificate of `signingKey`, published in the metadata.'),
    signAuthnRequests: z
      .boolean()
      .default(false)
      .describe('Sign AuthnRequests (RSA-SHA256, HTTP-Redirect binding signature).'),
    /** Decrypts encrypted assertions; its certificate is published in the SP metadata. */
    encryptionKey: pem('PRIVATE KEY')
      .optional()
      .describe('Decrypts encrypted assertions (PEM, `${file:…}`).'),
    encryptionCertificate: pem('CERTIFICATE')
      .optional()
      .describe('The certificate of `encryptionKey`, published in the metadata.'),
    /** Keys that still decrypt during a rotation, no longer published. */
    previousEncryptionKeys: z
      .array(pem('PRIVATE KEY'))
      .default([])
      .describe('Keys that still decrypt during a rotation (not published).'),
    /** The NameID format asked for in AuthnRequests and listed in the SP metadata; none asked when absent. */
    nameIdFormat: z
      .enum(Object.keys(NAME_ID_FORMATS) as [keyof typeof NAME_ID_FORMATS])
      .optional()
      .describe(
        '`persistent`, `emailAddress`, `unspecified` or `transient`: asked for in AuthnRequests and listed in the metadata. Prefer `persistent`: the NameID is the subject unless `attributes.subject` is set.',
      ),
  })
  .superRefine((sp, context) => {
    if ((sp.signingKey === undefined) !== (sp.signingCertificate === undefined)) {
      context.addIssue({ code: 'custom', message: 'signingKey and signingCertificate go together' });
    }
    if (sp.signAuthnRequests && sp.signingKey === undefined) {
      context.addIssue({ code: 'custom', path: ['signAuthnRequests'], message: 'needs signingKey' });
    }
    if ((sp.encryptionKey === undefined) !== (sp.encryptionCertificate === undefined)) {
      context.addIssue({ code: 'custom', message: 'encryptionKey and encryptionCertificate go together' });
    }
  });

/** Which checks beyond the always-on ones apply, and their bounds. */
const securitySchema = z.strictObject({
  /** Require the Response itself to be signed too (the Assertion always must be). */
  requireSignedResponse: z
    .boolean()
    .default(false)
    .describe('Also require the Response to be signed. The Assertion must always be signed.'),
  /** Refuse plaintext assertions (needs sp.encryptionKey). */
  requireEncryptedAssertion: z
    .boolean()
    .default(false)
    .describe('Refuse plaintext assertions (needs `sp.encryptionKey`).'),
  /** Tolerance on NotBefore / NotOnOrAfter / IssueInstant. */
  clockSkew: durationSeconds(0, 300)
    .default(60)
    .describe('0–5m of tolerance on NotBefore, NotOnOrAfter and IssueInstant.'),
  /** The largest decoded response accepted, in bytes. */
  maxResponseBytes: z
    .number()
    .int()
    .min(4096)
    .max(1024 * 1024)
    .default(256 * 1024)
    .describe(
      '4 KiB–1 MiB: the largest decoded response. `server.maxBodyBytes` bounds the request before that.',
    ),
  /** Accept responses without an AuthnRequest of ours (IdP-initiated); every assertion is still single-use. */
  allowIdpInitiated: z
    .boolean()
    .default(false)
    .describe(
      "Accept responses that answer no AuthnRequest of fedgate's (sign-in started from the IdP's portal). Each assertion is still single-use.",
    ),
  /** Where an IdP-initiated sign-in lands. */
  idpInitiatedLanding: landingPath
    .default('/')
    .describe('Where an IdP-initiated sign-in lands: a relative path on fedgate.'),
});

/** SAML attribute names that make the identity. */
const attributesSchema = z.strictObject({
  /** The stable user id; the NameID when absent (ask the IdP for a persistent one). */
  subject: z.string().min(1).optional().describe('The stable user id.'),
  /** The NameID when absent. */
  username: z
    .string()
    .min(1)
    .optional()
    .describe('The name people know the user by (RoleSessionName, SourceIdentity).'),
  email: z
    .string()
    .min(1)
    .optional()
    .describe('The attribute holding the email; treated as verified: the IdP signed it.'),
  displayName: z.string().min(1).optional().describe('The attribute holding the display name.'),
  /** Every value of every listed attribute is a group (Okta `groups`, AD FS / Entra group claims). */
  groups: z
    .array(z.string().min(1))
    .default([])
    .describe(
      'Every value of every listed attribute is a group (multi-valued, or repeated Attribute elements of one name).',
    ),
  /** Identity attribute name → SAML attribute name, for tags and rules (`department: ...`). */
  extra: z
    .record(z.string().regex(/^[A-Za-z][\w.:-]{0,127}$/), z.string().min(1))
    .default({})
    .describe('Identity attributes for rules and tags (`{{attributes.department}}`).'),
});

/** When the sign-in counts as multi-factor (permission sets with requireMfa). */
const mfaSchema = z.strictObject({
  /** AuthnContextClassRef values that mean MFA. */
  authnContextClassRefs: z
    .array(z.string().min(1))
    .default(DEFAULT_MFA_CONTEXTS)
    .describe('AuthnContextClassRef values that mean multi-factor.'),
  /** Or an attribute holding one of these values (Entra/AD FS `authnmethodsreferences`). */
  attribute: z
    .strictObject({ name: z.string().min(1), values: z.array(z.string().min(1)).min(1) })
    .optional()
    .describe('Or an attribute with one of these values means multi-factor.'),
});

/** Configuration of a SAML 2.0 connector (docs/connectors/saml.md). */
export const samlConnectorConfigSchema = z
  .strictObject({
    id: connectorIdSchema,
    type: z.literal('saml'),
    name: z.string().optional().describe("Shown on the portal's sign-in page. Default: the id."),
    /** Shown beside the name on the portal's sign-in page. */
    logo: connectorLogoSchema.optional(),
    idp: idpSchema.describe(
      '`metadataFile` or `metadataUrl` (with `metadataRefresh` and, recommended where the IdP signs it, `metadataSigningCertificates`), or `entityId`, `ssoUrl` and `certificates`. Every key: [connectors/saml.md](connectors/saml.md).',
    ),
    sp: spSchema
      .prefault({})
      .describe(
        "fedgate's entity ID (default `{publicUrl}/auth/{id}/metadata`), signing and encryption keys, NameID format. Every key: [connectors/saml.md](connectors/saml.md).",
      ),
    security: securitySchema
      .prefault({})
      .describe(
        '`requireSignedResponse`, `requireEncryptedAssertion`, `clockSkew`, `maxResponseBytes`, `allowIdpInitiated`, `idpInitiatedLanding`. Every key: [connectors/saml.md](connectors/saml.md).',
      ),
    attributes: attributesSchema
      .prefault({})
      .describe(
        'SAML attribute names for `subject`, `username`, `email`, `displayName`, `groups` and `extra`. Every key: [connectors/saml.md](connectors/saml.md).',
      ),
    mfa: mfaSchema
      .prefault({})
      .describe(
        '`authnContextClassRefs` and `attribute` that mean multi-factor. Every key: [connectors/saml.md](connectors/saml.md).',
      ),
  })
  .superRefine((config, context) => {
    if (config.security.requireEncryptedAssertion && config.sp.encryptionKey === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['security', 'requireEncryptedAssertion'],
        message: 'needs sp.encryptionKey',
      });
    }
  });

export type SamlConnectorConfig = z.infer<typeof samlConnectorConfigSchema>;
