import { LoginFailedError } from './loopback-login';
import { CLI_CLIENT_ID, isTokenResponse, postForm, type TokenResponse } from './oauth-client';

/** What the user must do: visit the page and type the code. */
export interface DevicePrompt {
  verificationUri: string;
  userCode: string;
  expiresInSeconds: number;
}

export interface DeviceLoginOptions {
  onPrompt: (prompt: DevicePrompt) => void;
  /** Waits between polls; a test may pass a shorter sleep. */
  sleep?: (ms: number) => Promise<void>;
}

interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  expires_in: number;
  interval?: number;
}

function isDeviceAuthorization(value: unknown): value is DeviceAuthorization {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const body = value as Record<string, unknown>;
  return (
    typeof body.device_code === 'string' &&
    typeof body.user_code === 'string' &&
    typeof body.verification_uri === 'string' &&
    typeof body.expires_in === 'number' &&
    (body.interval === undefined || typeof body.interval === 'number')
  );
}

const DEFAULT_INTERVAL_SECONDS = 5;
/** RFC 8628 section 3.5: each slow_down adds five seconds to the interval. */
const SLOW_DOWN_SECONDS = 5;

/**
 * `fedgate login --device` (RFC 8628) for machines without a browser: asks
 * the broker for a code, shows it with the page where the user types it
 * (on any device), then polls the token endpoint at the interval the broker
 * asked for until the user approves, denies, or the code expires.
 */
export async function deviceLogin(
  brokerUrl: string,
  options: DeviceLoginOptions,
): Promise<TokenResponse & { refresh_token: string }> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = await postForm<unknown>(brokerUrl, '/oauth/device_authorization', {
    client_id: CLI_CLIENT_ID,
  });
  if (!started.ok) {
    throw new LoginFailedError(`the broker refused to start a device login (${started.error.error})`);
  }
  if (!isDeviceAuthorization(started.body)) {
    throw new LoginFailedError('the broker answered the device login without a code');
  }
  const authorization = started.body;
  options.onPrompt({
    verificationUri: authorization.verification_uri,
    userCode: authorization.user_code,
    expiresInSeconds: authorization.expires_in,
  });
  let intervalSeconds = Math.max(1, authorization.interval ?? DEFAULT_INTERVAL_SECONDS);
  const deadline = Date.now() + authorization.expires_in * 1000;
  while (Date.now() < deadline) {
    await sleep(intervalSeconds * 1000);
    const answer = await postForm<unknown>(brokerUrl, '/oauth/token', {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      client_id: CLI_CLIENT_ID,
      device_code: authorization.device_code,
    });
    if (answer.ok) {
      if (!isTokenResponse(answer.body)) {
        throw new LoginFailedError('the broker answered without the tokens it must send');
      }
      return answer.body;
    }
    switch (answer.error.error) {
      case 'authorization_pending':
        continue;
      case 'slow_down':
        intervalSeconds += SLOW_DOWN_SECONDS;
        continue;
      case 'access_denied':
        throw new LoginFailedError('the login was denied in the browser');
      case 'expired_token':
        throw new LoginFailedError(
          'the code expired before it was approved; run fedgate login --device again',
        );
      default:
        throw new LoginFailedError(
          `the broker refused the login (${answer.error.error}); run fedgate login --device again`,
        );
    }
  }
  throw new LoginFailedError('the code expired before it was approved; run fedgate login --device again');
}
