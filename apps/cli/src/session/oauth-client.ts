import { FEDGATE_CLI_CLIENT_ID, FEDGATE_CLI_REDIRECT_PATH } from '@fedgate/oauth';
import { brokerEndpoint } from './broker-url';

/** The client id the broker knows the fedgate CLI by (a public client: no secret). */
export const CLI_CLIENT_ID = FEDGATE_CLI_CLIENT_ID;

/** The path of the loopback redirect `fedgate login` listens on (any port). */
export const CLI_REDIRECT_PATH = FEDGATE_CLI_REDIRECT_PATH;

/** Every request to the broker gives up after this long: the CLI never hangs. */
export const REQUEST_TIMEOUT_MS = 15_000;

/** The broker could not be reached or did not answer in time or in shape. */
export class BrokerUnavailableError extends Error {
  constructor(
    readonly brokerUrl: string,
    reason: string,
  ) {
    super(`the broker at ${brokerUrl} ${reason}`);
    this.name = 'BrokerUnavailableError';
  }
}

/** A token endpoint answer in RFC 6749's shape. */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token?: string;
  scope?: string;
}

/** An OAuth error answer (RFC 6749 section 5.2): `error`, and maybe `error_description`. */
export interface OAuthErrorBody {
  error: string;
  error_description?: string;
}

export type FormResult<T> = { ok: true; body: T } | { ok: false; status: number; error: OAuthErrorBody };

function isOAuthError(value: unknown): value is OAuthErrorBody {
  return typeof value === 'object' && value !== null && typeof (value as OAuthErrorBody).error === 'string';
}

/**
 * POSTs a form (application/x-www-form-urlencoded, as RFC 6749 requires) to
 * the broker and parses its JSON answer. A 4xx with an OAuth error body is a
 * result; a network failure, a timeout, a 5xx or a body that is not JSON is
 * a BrokerUnavailableError.
 */
export async function postForm<T>(
  brokerUrl: string,
  path: string,
  form: Record<string, string>,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<FormResult<T>> {
  let response: Response;
  try {
    response = await fetch(brokerEndpoint(brokerUrl, path), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const name = (error as Error | undefined)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw new BrokerUnavailableError(brokerUrl, `did not answer within ${Math.round(timeoutMs / 1000)} s`);
    }
    const cause = (error as { cause?: { code?: string } } | undefined)?.cause?.code;
    throw new BrokerUnavailableError(
      brokerUrl,
      `cannot be reached${cause === undefined ? '' : ` (${cause})`}`,
    );
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new BrokerUnavailableError(brokerUrl, `answered ${path} with HTTP ${response.status} and no JSON`);
  }
  if (response.ok) {
    return { ok: true, body: body as T };
  }
  if (response.status < 500 && isOAuthError(body)) {
    return { ok: false, status: response.status, error: body };
  }
  throw new BrokerUnavailableError(brokerUrl, `answered ${path} with HTTP ${response.status}`);
}

/** Checks a token answer has what the CLI keeps; the broker always sends a refresh token. */
export function isTokenResponse(value: unknown): value is TokenResponse & { refresh_token: string } {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const body = value as Record<string, unknown>;
  return (
    typeof body.access_token === 'string' &&
    body.access_token !== '' &&
    typeof body.refresh_token === 'string' &&
    body.refresh_token !== '' &&
    typeof body.expires_in === 'number' &&
    body.expires_in > 0 &&
    typeof body.token_type === 'string' &&
    body.token_type.toLowerCase() === 'bearer'
  );
}
