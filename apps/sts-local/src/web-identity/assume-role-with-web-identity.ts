import { decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import {
  checkMinimumTokenSize,
  checkPackedSize,
  checkSessionPolicy,
  checkSourceIdentity,
  checkTags,
  checkTransitiveTagKeys,
  checkRoleDuration,
  packedPolicySize,
  requireRoleSessionName,
} from '../sts/limits';
import { QueryParams } from '../sts/query-params';
import { StsError, validationError } from '../sts/sts-error';
import { issueFederatedRoleSession } from '../operations/federated-role-session';
import { expirationText, type Operation } from '../operations/operation';
import type { OidcProviders } from './oidc-providers';

/** Signature algorithms accepted on web identity tokens (asymmetric only: `none` and HMAC never). */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];
const TAGS_CLAIM = 'https://aws.amazon.com/tags';
const SOURCE_IDENTITY_CLAIM = 'https://aws.amazon.com/source_identity';

const DENIED = 'Not authorized to perform sts:AssumeRoleWithWebIdentity';

function invalidToken(message: string): StsError {
  return new StsError('InvalidIdentityToken', message);
}

/** Turns jose's verification failures into STS's codes; anything unknown is an invalid token. */
function verificationError(error: unknown, now: number): StsError {
  if (error instanceof joseErrors.JWTExpired) {
    const exp = typeof error.payload.exp === 'number' ? expirationText(error.payload.exp * 1000) : 'unknown';
    return new StsError(
      'ExpiredTokenException',
      `Token expired: current date/time ${expirationText(now)} must be before the expiration date/time ${exp}`,
    );
  }
  // Socket errors may come from another realm (jest's VM), so the message is read, not the class.
  const message = (error as { message?: unknown } | null)?.message;
  if (
    error instanceof joseErrors.JWKSTimeout ||
    (typeof message === 'string' && /fetch|ECONN|ENOTFOUND|network/i.test(message))
  ) {
    return new StsError(
      'IDPCommunicationError',
      "Couldn't retrieve verification key from your identity provider",
    );
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return invalidToken(`The web identity token is not valid: ${error.claim} check failed`);
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) {
    return invalidToken('The web identity token is signed with an algorithm that is not allowed');
  }
  return invalidToken('The web identity token signature could not be verified against the provider keys');
}

/** Session tags from the `https://aws.amazon.com/tags` claim, checked against the same limits as request tags. */
function claimTags(payload: JWTPayload): { tags: Record<string, string>; transitiveKeys: string[] } {
  const claim = payload[TAGS_CLAIM];
  if (claim === undefined) {
    return { tags: {}, transitiveKeys: [] };
  }
  const { principal_tags: principalTags, transitive_tag_keys: transitive } = (claim ?? {}) as Record<
    string,
    unknown
  >;
  const form = new URLSearchParams();
  if (principalTags !== undefined) {
    if (typeof principalTags !== 'object' || principalTags === null || Array.isArray(principalTags)) {
      throw invalidToken(`${TAGS_CLAIM} principal_tags must map tag keys to [value]`);
    }
    Object.entries(principalTags).forEach(([key, value], index) => {
      const values: unknown[] = Array.isArray(value) ? value : [value];
      if (values.length !== 1 || typeof values[0] !== 'string') {
        throw invalidToken(`${TAGS_CLAIM} principal_tags must give each tag exactly one string value`);
      }
      form.set(`Tags.member.${index + 1}.Key`, key);
      form.set(`Tags.member.${index + 1}.Value`, values[0]);
    });
  }
  if (transitive !== undefined) {
    if (!Array.isArray(transitive) || !transitive.every((key) => typeof key === 'string')) {
      throw invalidToken(`${TAGS_CLAIM} transitive_tag_keys must be a list of tag keys`);
    }
    transitive.forEach((key: string, index) => {
      form.set(`TransitiveTagKeys.member.${index + 1}`, key);
    });
  }
  const params = new QueryParams(form);
  const tags = checkTags(params);
  return { tags, transitiveKeys: checkTransitiveTagKeys(params, tags) };
}

/**
 * AssumeRoleWithWebIdentity (unsigned): the token's signature is verified
 * against the JWKS of the OIDC provider that its `iss` names in the role's
 * account, with issuer, audience (one of the provider's client ids) and
 * expiry checked; session tags and SourceIdentity come from the token's AWS
 * claims; the trust policy must allow the provider (Federated) the action,
 * with `ISSUER:aud`, `ISSUER:sub` and `ISSUER:amr` as condition keys.
 */
export function createAssumeRoleWithWebIdentity(providers: OidcProviders): Operation {
  return async (context) => {
    const { params } = context;
    const roleArn = params.get('RoleArn');
    if (roleArn === undefined) {
      throw validationError('roleArn', 'Member must not be null', null);
    }
    const sessionName = requireRoleSessionName(params);
    const token = params.get('WebIdentityToken');
    if (token === undefined) {
      throw validationError('webIdentityToken', 'Member must not be null', null);
    }
    if (token.length < 4 || token.length > 20000) {
      throw validationError('webIdentityToken', 'Member must have length between 4 and 20000');
    }
    const duration = checkRoleDuration(params.get('DurationSeconds'));
    const policy = checkSessionPolicy(params);
    const minimumTokenBytes = checkMinimumTokenSize(params.get('MinimumSessionTokenSize'));

    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      throw invalidToken(
        'The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)',
      );
    }
    const role = context.directory.roleByArn(roleArn);
    if (role === undefined) {
      throw new StsError('AccessDenied', DENIED);
    }
    if (typeof unverified.iss !== 'string') {
      throw invalidToken('The web identity token has no iss claim');
    }
    const provider = providers.find(role.accountId, unverified.iss);
    if (provider === undefined) {
      throw invalidToken(`No OpenIDConnect provider found in your account for ${unverified.iss}`);
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, provider.keys, {
        issuer: unverified.iss,
        algorithms: ALGORITHMS,
        currentDate: new Date(context.now),
        requiredClaims: ['exp', 'sub', 'aud'],
      }));
    } catch (error) {
      throw verificationError(error, context.now);
    }
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud ?? ''];
    const audience = audiences.find((candidate) => provider.config.clientIds.includes(candidate));
    if (audience === undefined) {
      throw invalidToken('Incorrect token audience');
    }
    const subject = payload.sub ?? '';
    const { tags, transitiveKeys } = claimTags(payload);
    const sourceClaim = payload[SOURCE_IDENTITY_CLAIM];
    const sourceIdentity = checkSourceIdentity(typeof sourceClaim === 'string' ? sourceClaim : undefined);
    const packed = checkPackedSize(packedPolicySize(policy, tags));

    const issuerKey = provider.issuerKey.toLowerCase();
    const providerKeys: Record<string, string[]> = {
      [`${issuerKey}:aud`]: [audience],
      [`${issuerKey}:sub`]: [subject],
      ...(Array.isArray(payload.amr) ? { [`${issuerKey}:amr`]: payload.amr.map(String) } : {}),
    };
    return {
      ...issueFederatedRoleSession(context, {
        role,
        providerArn: provider.arn,
        action: 'sts:AssumeRoleWithWebIdentity',
        providerKeys,
        deniedMessage: DENIED,
        sessionName,
        sourceIdentity,
        tags,
        transitiveKeys,
        durationSeconds: duration,
        minimumTokenBytes,
        policy,
        packedPercent: packed,
      }),
      SubjectFromWebIdentityToken: subject,
      Provider: provider.issuerKey,
      Audience: audience,
    };
  };
}
