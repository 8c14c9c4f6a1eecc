import type { Identity } from '@fedgate/core';
import { samlRefusal } from './saml-refusal';
import type { SamlConnectorConfig } from './saml-connector.config';
import type { VerifiedAssertion } from './response-verification';

/** AWS's session-tag attributes (`…/PrincipalTag:Department`): each becomes the identity attribute of the tag's key. */
export const AWS_PRINCIPAL_TAG = 'https://aws.amazon.com/SAML/Attributes/PrincipalTag:';
/** Entra ID sends this instead of the groups when a user is in too many (the "overage" claim). */
const ENTRA_GROUPS_OVERAGE = 'http://schemas.microsoft.com/claims/groups.link';

/**
 * The identity a verified assertion describes, by the connector's attribute
 * names: subject and username from the NameID unless configured, groups
 * from every value of every configured group attribute (Okta `groups`,
 * AD FS / Entra `…/claims/groups` or `…/claims/role`, repeated or
 * multi-valued alike), AWS PrincipalTag attributes and configured extras as
 * attributes, MFA from AuthnContextClassRef or a configured attribute.
 */
export function identityFromAssertion(
  connectorId: string,
  assertion: VerifiedAssertion,
  config: Pick<SamlConnectorConfig, 'attributes' | 'mfa'>,
  now: Date,
): Identity {
  const names = config.attributes;
  const first = (name: string | undefined): string | undefined =>
    name === undefined ? undefined : assertion.attributes.get(name)?.[0];
  const subject = names.subject === undefined ? assertion.nameId : first(names.subject);
  const username = names.username === undefined ? assertion.nameId : first(names.username);
  if (subject === undefined || username === undefined) {
    throw samlRefusal(
      'attributes',
      'the identity provider did not send the attributes fedgate needs to know who you are',
      {
        missing: subject === undefined ? names.subject : names.username,
      },
    );
  }
  if (
    names.groups.length > 0 &&
    assertion.attributes.has(ENTRA_GROUPS_OVERAGE) &&
    names.groups.every((name) => !assertion.attributes.has(name))
  ) {
    throw samlRefusal(
      'attributes',
      'the identity provider sent a link to your groups instead of the groups; ask your administrator to limit the groups sent to fedgate',
      {
        overage: ENTRA_GROUPS_OVERAGE,
      },
    );
  }
  const attributes: Record<string, string[]> = {};
  for (const [name, values] of assertion.attributes) {
    if (name.startsWith(AWS_PRINCIPAL_TAG) && name.length > AWS_PRINCIPAL_TAG.length) {
      attributes[name.slice(AWS_PRINCIPAL_TAG.length)] = [...values];
    }
  }
  for (const [key, name] of Object.entries(names.extra)) {
    const values = assertion.attributes.get(name);
    if (values !== undefined) {
      attributes[key] = [...values];
    }
  }
  const email = first(names.email);
  const displayName = first(names.displayName);
  const methods = mfaMethods(assertion, config.mfa);
  const authTime =
    assertion.authnInstant !== undefined && !Number.isNaN(Date.parse(assertion.authnInstant))
      ? new Date(assertion.authnInstant).toISOString()
      : now.toISOString();
  const acr = assertion.authnContextClassRefs[0];
  return {
    connectorId,
    subject,
    username,
    // An IdP's email is the directory's: treated as verified by the IdP that signed it.
    ...(email === undefined ? {} : { email, emailVerified: true }),
    ...(displayName === undefined ? {} : { displayName }),
    groups: [...new Set(names.groups.flatMap((name) => assertion.attributes.get(name) ?? []))].sort(),
    attributes,
    mfa: { satisfied: methods.length > 0, methods },
    authTime,
    ...(acr === undefined ? {} : { acr }),
  };
}

function mfaMethods(assertion: VerifiedAssertion, mfa: SamlConnectorConfig['mfa']): string[] {
  const fromContext = assertion.authnContextClassRefs.filter((ref) =>
    mfa.authnContextClassRefs.includes(ref),
  );
  const fromAttribute =
    mfa.attribute === undefined
      ? []
      : (assertion.attributes.get(mfa.attribute.name) ?? []).filter((value) =>
          mfa.attribute?.values.includes(value),
        );
  return [...new Set([...fromContext, ...fromAttribute])];
}
