import { accessTokenFor, LoginRequiredError } from '../session/access-token';
import { BrokerUnavailableError, REQUEST_TIMEOUT_MS } from '../session/oauth-client';

type Environment = Readonly<Record<string, string | undefined>>;

/** The broker refused a request; the message is the broker's, which never holds a secret. */
export class BrokerRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BrokerRequestError';
  }
}

/** One entitlement as `GET /api/v1/entitlements` lists it (docs/http-api.md). */
export interface Entitlement {
  accountId: string;
  accountName: string;
  permissionSet: string;
  description?: string;
  mode: string;
  roleArn?: string;
  federatedUser?: string;
  sessionDurationSeconds: number;
  sessionDurationReason?: string;
  issuable: boolean;
  problems?: string[];
}

/** The `credential_process` object the broker answers `POST /api/v1/credentials` with. */
export interface IssuedCredentials {
  Version: 1;
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: string;
  AccountId?: string;
}

export interface CredentialRequest {
  accountId: string;
  permissionSet: string;
  durationSeconds?: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks an answer has the credential fields, so nothing half-shaped is printed or cached. */
export function isIssuedCredentials(value: unknown): value is IssuedCredentials {
  return (
    isRecord(value) &&
    value.Version === 1 &&
    ['AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration'].every(
      (key) => typeof value[key] === 'string' && value[key] !== '',
    ) &&
    !Number.isNaN(Date.parse(value.Expiration as string))
  );
}

/**
 * The broker's `/api/v1` for the signed-in CLI user: each call sends the
 * access token `fedgate login` keeps (refreshed when due), gives up after a
 * timeout rather than hang, and turns a 401 into LoginRequiredError.
 */
export class BrokerApi {
  private constructor(
    readonly brokerUrl: string,
    private readonly accessToken: string,
    private readonly timeoutMs: number,
  ) {}

  /** Resolves the broker (--url, FEDGATE_URL, or the one logged in to) and its access token. */
  static async connect(
    url: string | undefined,
    env: Environment,
    timeoutMs = REQUEST_TIMEOUT_MS,
  ): Promise<BrokerApi> {
    const { brokerUrl, accessToken } = await accessTokenFor(url, { env, timeoutMs });
    return new BrokerApi(brokerUrl, accessToken, timeoutMs);
  }

  /** `GET /api/v1/me`: who the login belongs to (docs/http-api.md). */
  async me(): Promise<Record<string, unknown>> {
    const body = await this.call('GET', '/api/v1/me');
    if (!isRecord(body)) {
      throw new BrokerUnavailableError(this.brokerUrl, 'answered /api/v1/me without a user');
    }
    return body;
  }

  async entitlements(): Promise<Entitlement[]> {
    const body = await this.call('GET', '/api/v1/entitlements');
    if (!isRecord(body) || !Array.isArray(body.entitlements)) {
      throw new BrokerUnavailableError(this.brokerUrl, 'answered /api/v1/entitlements without a list');
    }
    return body.entitlements as Entitlement[];
  }

  async credentials(request: CredentialRequest): Promise<IssuedCredentials> {
    const body = await this.call('POST', '/api/v1/credentials', request);
    if (!isIssuedCredentials(body)) {
      throw new BrokerUnavailableError(this.brokerUrl, 'answered /api/v1/credentials without credentials');
    }
    return body;
  }

  async consoleUrl(request: CredentialRequest & { destination?: string }): Promise<string> {
    const body = await this.call('POST', '/api/v1/console', request);
    if (!isRecord(body) || typeof body.url !== 'string') {
      throw new BrokerUnavailableError(this.brokerUrl, 'answered /api/v1/console without a URL');
    }
    return body.url;
  }

  /** `POST /api/v1/admin/revoke` (docs/operations/revocation.md), admins only; the caller checks the answer. */
  async adminRevoke(request: Record<string, unknown>): Promise<unknown> {
    return this.call('POST', '/api/v1/admin/revoke', request);
  }

  private async call(method: 'GET' | 'POST', path: string, json?: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.brokerUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.accessToken}`,
          accept: 'application/json',
          ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: json === undefined ? undefined : JSON.stringify(json),
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const name = (error as Error | undefined)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new BrokerUnavailableError(
          this.brokerUrl,
          `did not answer within ${Math.round(this.timeoutMs / 1000)} s`,
        );
      }
      const cause = (error as { cause?: { code?: string } } | undefined)?.cause?.code;
      throw new BrokerUnavailableError(
        this.brokerUrl,
        `cannot be reached${cause === undefined ? '' : ` (${cause})`}`,
      );
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new BrokerUnavailableError(
        this.brokerUrl,
        `answered ${path} with HTTP ${response.status} and no JSON`,
      );
    }
    if (response.status === 401) {
      throw new LoginRequiredError(
        this.brokerUrl,
        `the broker at ${this.brokerUrl} no longer accepts this login`,
      );
    }
    if (!response.ok) {
      const code = isRecord(body) && typeof body.error === 'string' ? body.error : 'error';
      const message =
        isRecord(body) && typeof body.message === 'string' ? body.message : `HTTP ${response.status}`;
      throw new BrokerRequestError(response.status, code, `the broker refused: ${message} (${code})`);
    }
    return body;
  }
}
