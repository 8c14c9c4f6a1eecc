import {
  ISSUED_TOKEN_TYPES,
  parseAwsTarget,
  SUBJECT_TOKEN_TYPES,
  type AwsTarget,
  type IssuedTokenType,
} from './token-types';
import {
  TOKEN_EXCHANGE_PHASES,
  tokenExchangeRefusal,
  type TokenExchangeErrorCode,
} from './token-exchange-refusal';

/** A form's fields as the broker parsed them (each at most once). */
export type TokenExchangeParams = Readonly<Record<string, string | undefined>>;

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** How the caller authenticated, as sent; checked against its configuration by the flow. */
export type PresentedClient =
  | { method: 'client_secret'; clientId: string; secret: string }
  | { method: 'private_key_jwt'; clientId: string | undefined; assertion: string }
  | { method: 'none'; clientId: string };

/** A parsed token-exchange request (RFC 8693 section 2.1). */
export interface TokenExchangeRequest {
  client: PresentedClient;
  subjectToken: string;
  subjectTokenType: string;
  requestedTokenType: IssuedTokenType;
  /** The account and permission set `resource` or `audience` names; absent for an access token. */
  target?: AwsTarget;
  /** fedgate's extension `duration_seconds`: a shorter session than the permission set's. */
  durationSeconds?: number;
  /** fedgate's extension `destination`, for a console URL. */
  destination?: string;
}

const ISSUED = Object.values(ISSUED_TOKEN_TYPES) as readonly string[];

/**
 * Reads the token-exchange grant's parameters and the caller's
 * credentials (HTTP Basic, `client_secret` in the form, or a
 * `client_assertion`; exactly one method). Every problem is a refusal with
 * its own code; nothing is looked up yet.
 */
export function parseTokenExchangeRequest(
  params: TokenExchangeParams,
  authorizationHeader: string | undefined,
): TokenExchangeRequest {
  const client = presentedClient(params, authorizationHeader);
  const subjectToken = params.subject_token;
  if (subjectToken === undefined || subjectToken === '') {
    throw refused('invalid_request', 'subject_token is required');
  }
  const subjectTokenType = params.subject_token_type;
  if (subjectTokenType === undefined || subjectTokenType === '') {
    throw refused('invalid_request', 'subject_token_type is required');
  }
  if (!(SUBJECT_TOKEN_TYPES as readonly string[]).includes(subjectTokenType)) {
    throw refused(
      'unsupported_token_type',
      `subject_token_type must be one of: ${SUBJECT_TOKEN_TYPES.join(', ')}`,
    );
  }
  if (present(params.actor_token) || present(params.actor_token_type)) {
    throw refused('invalid_request', 'fedgate does not support delegation: send no actor_token');
  }
  if (present(params.scope)) {
    throw refused(
      'invalid_scope',
      'the token exchange takes no scope; name the account and permission set in resource',
    );
  }
  const target = targetOf(params);
  const requested = params.requested_token_type;
  let requestedTokenType: IssuedTokenType;
  if (requested === undefined || requested === '') {
    requestedTokenType =
      target === undefined ? ISSUED_TOKEN_TYPES.accessToken : ISSUED_TOKEN_TYPES.awsCredentials;
  } else if (ISSUED.includes(requested)) {
    requestedTokenType = requested as IssuedTokenType;
  } else {
    throw refused('unsupported_token_type', `requested_token_type must be one of: ${ISSUED.join(', ')}`);
  }
  if (requestedTokenType === ISSUED_TOKEN_TYPES.accessToken && target !== undefined) {
    throw refused('invalid_target', 'an access token is for /api/v1/*: send no resource or audience with it');
  }
  if (requestedTokenType !== ISSUED_TOKEN_TYPES.accessToken && target === undefined) {
    throw refused(
      'invalid_target',
      'name the account and permission set in resource (urn:fedgate:aws:{account}:{permission set})',
    );
  }
  const durationSeconds = durationOf(params.duration_seconds);
  const destination = params.destination;
  if (present(destination) && requestedTokenType !== ISSUED_TOKEN_TYPES.awsConsoleUrl) {
    throw refused('invalid_request', 'destination is only for a console URL');
  }
  return {
    client,
    subjectToken,
    subjectTokenType,
    requestedTokenType,
    ...(target === undefined ? {} : { target }),
    ...(durationSeconds === undefined ? {} : { durationSeconds }),
    ...(present(destination) ? { destination } : {}),
  };
}

function presentedClient(
  params: TokenExchangeParams,
  authorizationHeader: string | undefined,
): PresentedClient {
  const basic = basicCredentials(authorizationHeader);
  const methods = [
    basic !== undefined,
    present(params.client_secret),
    present(params.client_assertion),
  ].filter(Boolean).length;
  if (methods > 1) {
    throw refused('invalid_request', 'use exactly one client authentication method');
  }
  if (basic !== undefined) {
    if (present(params.client_id) && params.client_id !== basic.clientId) {
      throw refused('invalid_request', 'client_id differs from the one in the Authorization header');
    }
    return { method: 'client_secret', ...basic };
  }
  if (present(params.client_assertion)) {
    if (params.client_assertion_type !== CLIENT_ASSERTION_TYPE) {
      throw refused('invalid_request', `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`);
    }
    return {
      method: 'private_key_jwt',
      clientId: present(params.client_id) ? params.client_id : undefined,
      assertion: params.client_assertion,
    };
  }
  if (!present(params.client_id)) {
    throw refused('invalid_request', 'client_id is required (or client authentication)');
  }
  return present(params.client_secret)
    ? { method: 'client_secret', clientId: params.client_id, secret: params.client_secret }
    : { method: 'none', clientId: params.client_id };
}

/** `Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 section 2.3.1), or undefined without a header. */
function basicCredentials(header: string | undefined): { clientId: string; secret: string } | undefined {
  if (header === undefined || header === '') {
    return undefined;
  }
  const match = /^Basic ([A-Za-z0-9+/]+={0,2})$/i.exec(header.trim());
  const decoded = match?.[1] === undefined ? '' : Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) {
    throw refused(
      'client_authentication_failed',
      'The Authorization header is not HTTP Basic client credentials',
    );
  }
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    throw refused(
      'client_authentication_failed',
      'The Authorization header is not HTTP Basic client credentials',
    );
  }
}

/** `resource` and `audience` may each name the target; when both are sent they must agree. */
function targetOf(params: TokenExchangeParams): AwsTarget | undefined {
  const named = [params.resource, params.audience].filter(present);
  if (named.length === 0) {
    return undefined;
  }
  const targets = named.map((uri) => {
    const target = parseAwsTarget(uri);
    if (target === undefined) {
      throw refused(
        'invalid_target',
        'resource and audience must name an account and permission set as urn:fedgate:aws:{account}:{permission set}',
      );
    }
    return target;
  });
  const [first, second] = targets;
  if (
    second !== undefined &&
    first !== undefined &&
    (first.account.toLowerCase() !== second.account.toLowerCase() ||
      first.permissionSet.toLowerCase() !== second.permissionSet.toLowerCase())
  ) {
    throw refused('invalid_target', 'resource and audience name different targets');
  }
  return first;
}

function durationOf(text: string | undefined): number | undefined {
  if (!present(text)) {
    return undefined;
  }
  if (!/^[1-9]\d{0,6}$/.test(text)) {
    throw refused('invalid_request', 'duration_seconds must be a whole number of seconds');
  }
  return Number(text);
}

function present(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

function refused(code: TokenExchangeErrorCode, message: string) {
  return tokenExchangeRefusal(
    code,
    code === 'client_authentication_failed' ? TOKEN_EXCHANGE_PHASES.client : TOKEN_EXCHANGE_PHASES.request,
    message,
  );
}
