import { createHash, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Identity } from '@fedgate/core';
import type { WebIdentityPlan } from '@fedgate/mapping';
import { AWS_SOURCE_IDENTITY_CLAIM, AWS_TAGS_CLAIM, type WebIdentitySettings } from './discovery';
import { WEB_IDENTITY_ALGORITHM, type WebIdentityKeyRing } from './signing-keys';

/** AWS keeps a web identity `sub` of 6–255 characters (SubjectFromWebIdentityToken). */
export const SUBJECT_MIN_LENGTH = 6;
export const SUBJECT_MAX_LENGTH = 255;
/** `nbf` lies this far before `iat`, so a broker clock slightly ahead of STS's does not make tokens "not yet valid". */
export const NOT_BEFORE_SKEW_SECONDS = 60;

// Printable ASCII, space included: what a trust policy's StringEquals/StringLike can match without surprises.
const PLAIN_SUBJECT = /^[\x20-\x7e]+$/;

/**
 * The token's `sub`: stable per user and unique across connectors.
 * `<connectorId>:<subject>` when that is 6–255 printable ASCII characters
 * (so trust policies can say `StringLike: { "HOST:sub": "corp-ad:*" }`);
 * otherwise `<connectorId>:sha256:<hex of the subject>`, still stable and
 * still prefixed by the connector (connector ids are at most 63 characters).
 */
export function webIdentitySubject(identity: Pick<Identity, 'connectorId' | 'subject'>): string {
  const plain = `${identity.connectorId}:${identity.subject}`;
  if (
    plain.length >= SUBJECT_MIN_LENGTH &&
    plain.length <= SUBJECT_MAX_LENGTH &&
    PLAIN_SUBJECT.test(identity.subject)
  ) {
    return plain;
  }
  const digest = createHash('sha256').update(identity.subject, 'utf8').digest('hex');
  return `${identity.connectorId}:sha256:${digest}`;
}

/** The `https://aws.amazon.com/tags` claim: each tag's value as a one-element list, as AWS documents it. */
export interface AwsTagsClaim {
  principal_tags: Record<string, [string]>;
  transitive_tag_keys?: string[];
}

/**
 * The AWS claims of a plan: its compiled session tags and transitive keys
 * (left out when there are no tags) and its SourceIdentity, read from the
 * plan alone. The mapping has already checked them against AWS's limits.
 */
export function awsSessionClaims(
  plan: Pick<WebIdentityPlan, 'sessionTags' | 'transitiveTagKeys' | 'sourceIdentity'>,
): Record<string, unknown> {
  const tags = plan.sessionTags;
  const transitive = plan.transitiveTagKeys;
  const claims: Record<string, unknown> = {};
  if (tags.length > 0) {
    const tagsClaim: AwsTagsClaim = {
      // fromEntries defines own properties, so no tag key can reach a prototype.
      principal_tags: Object.fromEntries(tags.map((tag): [string, [string]] => [tag.key, [tag.value]])),
      ...(transitive.length === 0 ? {} : { transitive_tag_keys: [...transitive] }),
    };
    claims[AWS_TAGS_CLAIM] = tagsClaim;
  }
  if (plan.sourceIdentity !== '') {
    claims[AWS_SOURCE_IDENTITY_CLAIM] = plan.sourceIdentity;
  }
  return claims;
}

/** A token fedgate signed, with what audit needs to know about it (the token itself is a secret). */
export interface SignedWebIdentityToken {
  token: string;
  kid: string;
  jti: string;
  subject: string;
  issuedAt: Date;
  expiresAt: Date;
}

/**
 * Signs the short-lived JWTs fedgate presents to AssumeRoleWithWebIdentity,
 * with the key ring's current key (RS256, `kid` in the header).
 */
export class WebIdentityTokenSigner {
  constructor(
    private readonly keys: WebIdentityKeyRing,
    readonly settings: WebIdentitySettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the signing key was made at start-up (none configured): a restart replaces it. */
  get signsWithEphemeralKey(): boolean {
    return this.keys.ephemeral;
  }

  /** A token for this plan's session, whose `sub` is the identity's (webIdentitySubject). */
  async sign(
    plan: Pick<WebIdentityPlan, 'sessionTags' | 'transitiveTagKeys' | 'sourceIdentity'>,
    identity: Pick<Identity, 'connectorId' | 'subject'>,
  ): Promise<SignedWebIdentityToken> {
    const key = this.keys.signingKey;
    const issuedAt = Math.floor(this.now() / 1000);
    const expiresAt = issuedAt + this.settings.tokenLifetimeSeconds;
    const subject = webIdentitySubject(identity);
    const jti = randomUUID();
    const token = await new SignJWT(awsSessionClaims(plan))
      .setProtectedHeader({ alg: WEB_IDENTITY_ALGORITHM, kid: key.kid, typ: 'JWT' })
      .setIssuer(this.settings.issuer)
      .setSubject(subject)
      .setAudience(this.settings.audience)
      .setIssuedAt(issuedAt)
      .setNotBefore(issuedAt - NOT_BEFORE_SKEW_SECONDS)
      .setExpirationTime(expiresAt)
      .setJti(jti)
      .sign(key.privateKey);
    return {
      token,
      kid: key.kid,
      jti,
      subject,
      issuedAt: new Date(issuedAt * 1000),
      expiresAt: new Date(expiresAt * 1000),
    };
  }
}
