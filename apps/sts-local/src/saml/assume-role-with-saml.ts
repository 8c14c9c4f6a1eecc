import { createHash } from 'node:crypto';
import { samlSigninAudiences } from '@fedgate/aws';
import {
  checkMinimumTokenSize,
  checkPackedSize,
  checkSessionPolicy,
  checkSourceIdentity,
  checkTags,
  checkTransitiveTagKeys,
  checkRoleDuration,
  packedPolicySize,
} from '../sts/limits';
import { QueryParams } from '../sts/query-params';
import { StsError, validationError } from '../sts/sts-error';
import { issueFederatedRoleSession } from '../operations/federated-role-session';
import type { Operation } from '../operations/operation';
import type { SamlProviders } from './saml-providers';
import { SamlRejection, verifySamlAssertion } from './verify-saml-assertion';

const ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/';
const DENIED = 'Not authorized to perform sts:AssumeRoleWithSAML';

/** Session tags from `PrincipalTag:KEY` and `TransitiveTagKeys` attributes, within the request-tag limits. */
function attributeTags(attributes: Map<string, string[]>): {
  tags: Record<string, string>;
  transitiveKeys: string[];
} {
  const form = new URLSearchParams();
  let index = 0;
  for (const [name, values] of attributes) {
    if (name.startsWith(`${ATTRIBUTE}PrincipalTag:`)) {
      index += 1;
      form.set(`Tags.member.${index}.Key`, name.slice(`${ATTRIBUTE}PrincipalTag:`.length));
      form.set(`Tags.member.${index}.Value`, values[0] ?? '');
    }
  }
  (attributes.get(`${ATTRIBUTE}TransitiveTagKeys`) ?? []).forEach((key, position) => {
    form.set(`TransitiveTagKeys.member.${position + 1}`, key);
  });
  const params = new QueryParams(form);
  const tags = checkTags(params);
  return { tags, transitiveKeys: checkTransitiveTagKeys(params, tags) };
}

/**
 * AssumeRoleWithSAML (unsigned): the assertion is verified against the
 * metadata of the provider that PrincipalArn names (verifySamlAssertion);
 * its Role attribute must pair RoleArn with PrincipalArn; RoleSessionName,
 * SessionDuration, PrincipalTag:*, TransitiveTagKeys and SourceIdentity come
 * from its attributes; the trust policy must allow the provider (Federated)
 * the action, with `SAML:aud`, `SAML:iss`, `SAML:sub` and `SAML:sub_type`.
 */
export function createAssumeRoleWithSaml(providers: SamlProviders): Operation {
  return (context) => {
    const { params } = context;
    const roleArn = params.get('RoleArn');
    const principalArn = params.get('PrincipalArn');
    const assertionText = params.get('SAMLAssertion');
    if (roleArn === undefined) {
      throw validationError('roleArn', 'Member must not be null', null);
    }
    if (principalArn === undefined) {
      throw validationError('principalArn', 'Member must not be null', null);
    }
    if (assertionText === undefined) {
      throw validationError('sAMLAssertion', 'Member must not be null', null);
    }
    if (assertionText.length < 4 || assertionText.length > 100000) {
      throw validationError('sAMLAssertion', 'Member must have length between 4 and 100000');
    }
    const requested = checkRoleDuration(params.get('DurationSeconds'));
    const policy = checkSessionPolicy(params);
    const minimumTokenBytes = checkMinimumTokenSize(params.get('MinimumSessionTokenSize'));
    const provider = providers.find(principalArn);
    const role = context.directory.roleByArn(roleArn);
    if (provider === undefined) {
      throw new StsError('InvalidIdentityToken', `SAML provider ${principalArn} does not exist`);
    }
    let assertion;
    try {
      assertion = verifySamlAssertion(assertionText, provider, {
        now: context.now,
        // The partition's sign-in SAML endpoint: the Audience and Recipient assertions for AWS carry.
        audiences: samlSigninAudiences(context.directory.partition),
      });
    } catch (error) {
      if (error instanceof SamlRejection) {
        throw new StsError(error.code, error.message);
      }
      throw error;
    }
    const pairs = (assertion.attributes.get(`${ATTRIBUTE}Role`) ?? []).map((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .sort(),
    );
    const wanted = [roleArn, principalArn].sort();
    if (
      role === undefined ||
      !pairs.some((pair) => pair.length === 2 && pair[0] === wanted[0] && pair[1] === wanted[1])
    ) {
      throw new StsError('AccessDenied', DENIED);
    }
    const sessionName = assertion.attributes.get(`${ATTRIBUTE}RoleSessionName`)?.[0];
    if (sessionName === undefined || !/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
      throw new StsError(
        'InvalidIdentityToken',
        'RoleSessionName is required in AuthnResponse (2-64 of [\\w+=,.@-])',
      );
    }
    const sessionDurationText = assertion.attributes.get(`${ATTRIBUTE}SessionDuration`)?.[0];
    const attributeDuration =
      sessionDurationText === undefined
        ? undefined
        : checkRoleDuration(sessionDurationText, 'SessionDuration');
    // AWS uses the shortest of DurationSeconds and the SessionDuration attribute.
    const duration = Math.min(requested, attributeDuration ?? requested);
    const { tags, transitiveKeys } = attributeTags(assertion.attributes);
    const sourceIdentity = checkSourceIdentity(assertion.attributes.get(`${ATTRIBUTE}SourceIdentity`)?.[0]);
    const packed = checkPackedSize(packedPolicySize(policy, tags));

    return {
      ...issueFederatedRoleSession(context, {
        role,
        providerArn: provider.arn,
        action: 'sts:AssumeRoleWithSAML',
        providerKeys: {
          'saml:aud': [assertion.audience],
          'saml:iss': [assertion.issuer],
          'saml:sub': [assertion.subject],
          'saml:sub_type': [assertion.subjectType],
        },
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
      Subject: assertion.subject,
      SubjectType: assertion.subjectType,
      Issuer: assertion.issuer,
      Audience: assertion.audience,
      // AWS's NameQualifier: base64 SHA-1 of Issuer, account id and provider name, one value per user.
      NameQualifier: createHash('sha1')
        .update(assertion.issuer + role.accountId + principalArn.slice(principalArn.indexOf('/') + 1))
        .digest('base64'),
    };
  };
}
