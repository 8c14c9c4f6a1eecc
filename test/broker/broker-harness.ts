import type { AddressInfo } from 'node:net';
import {
  GetCallerIdentityCommand,
  STSClient,
  type GetCallerIdentityCommandOutput,
} from '@aws-sdk/client-sts';
import { parseConfig, type BackendConfig, type FedgateConfig } from '@fedgate/broker-config';
import type { Connector } from '@fedgate/connectors';
import { createStsClient } from '@fedgate/issuance';
import { loggerAuditTrail } from '@fedgate/flows';
import { createLogger } from '@fedgate/logging';
import { createBrokerApp } from '../../apps/broker/src/broker-app';
import { createBrokerRuntime, type BrokerRuntime } from '../../apps/broker/src/broker-runtime';
import { LogCapture } from '../harness/log-capture';

export { LogCapture };

/** A broker listening on a free loopback port, with its STS calls counted at the SDK client. */
export interface RunningBroker {
  url: string;
  runtime: BrokerRuntime;
  logs: LogCapture;
  stsCalls(): number;
  stop(): Promise<void>;
}

/** Parses a YAML config the way the broker does, failing the test with every issue when it is invalid. */
export function configFrom(yaml: string, env: Record<string, string> = {}): FedgateConfig {
  const result = parseConfig(yaml, { env, baseDir: __dirname });
  if (!result.ok) {
    throw new Error(
      `test config is invalid:\n${result.issues.map((i) => `${i.path}: ${i.message}`).join('\n')}`,
    );
  }
  return result.config;
}

export async function startBroker(
  config: FedgateConfig,
  options: {
    now?: () => number;
    port?: number;
    extraConnectors?: readonly Connector[];
    /** Keep the config's own audit stream instead of audit lines in the captured log. */
    configuredAudit?: boolean;
  } = {},
): Promise<RunningBroker> {
  const logs = new LogCapture();
  brokerLogs.push(logs);
  let calls = 0;
  const countingFactory = (backend: BackendConfig): STSClient => {
    const client = createStsClient(backend);
    client.middlewareStack.add(
      (next) => (args) => {
        calls += 1;
        return next(args);
      },
      { step: 'initialize', name: 'countStsCalls' },
    );
    return client;
  };
  const logger = createLogger({ level: 'debug', destination: logs });
  const runtime = await createBrokerRuntime(config, {
    logger,
    // Audit events as `audit` lines of the captured log, where the tests read them (the audit
    // stream itself has its own tests: test/audit).
    ...(options.configuredAudit === true ? {} : { audit: loggerAuditTrail(logger) }),
    stsClientFactory: countingFactory,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.extraConnectors === undefined ? {} : { extraConnectors: options.extraConnectors }),
  });
  const app = await createBrokerApp(runtime);
  await app.listen(options.port ?? 0, '127.0.0.1');
  const address = app.getHttpServer().address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    runtime,
    logs,
    stsCalls: () => calls,
    async stop() {
      await app.close();
      await runtime.close();
    },
  };
}

/**
 * Every secret the brokers of this test file handed out or were sent through
 * HttpClient: passwords, session cookies, CSRF tokens, credentials, console
 * URLs and sign-in tokens. RunningBroker.stop() fails the file if the broker
 * logged any of them (docs/architecture.md#security-rules: the suite scans what it captured).
 */
const secretsSeen = new Set<string>();

function rememberSecret(value: unknown): void {
  // Short values (e.g. "true") would match by accident; every real secret here is longer.
  if (typeof value === 'string' && value.length >= 8) {
    secretsSeen.add(value);
  }
}

function rememberSecretsOf(body: Record<string, unknown>, location: string | null): void {
  for (const field of ['SecretAccessKey', 'SessionToken', 'csrfToken', 'url', 'password']) {
    rememberSecret(body[field]);
  }
  for (const url of [body.url, location]) {
    if (typeof url === 'string' && URL.canParse(url)) {
      rememberSecret(new URL(url).searchParams.get('SigninToken'));
      rememberSecret(url);
    }
  }
}

/** The logs of every broker this test file started. */
const brokerLogs: LogCapture[] = [];

// Registered at the file's top level when the harness is imported, so it runs after the file's
// own afterAll hooks: servers are stopped first, and a leak fails the file instead of hanging it.
afterAll(() => {
  const logs = brokerLogs.map((capture) => capture.text()).join('');
  const leaked = [...secretsSeen].filter((secret) => logs.includes(secret));
  if (leaked.length > 0) {
    throw new Error(`a broker logged ${leaked.length} secret(s) that it issued or was sent`);
  }
});

/** A tiny cookie-keeping client, like a browser or `curl -c/-b`. */
export class HttpClient {
  private cookies = new Map<string, string>();
  csrfToken: string | undefined;

  constructor(private readonly baseUrl: string) {}

  async request(
    method: string,
    path: string,
    options: { json?: unknown; body?: string; headers?: Record<string, string>; csrf?: boolean } = {},
  ): Promise<{ status: number; headers: Headers; body: Record<string, unknown>; text: string }> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookies.size > 0) {
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    }
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
    }
    if (options.csrf !== false && this.csrfToken !== undefined) {
      headers['x-csrf-token'] = this.csrfToken;
    }
    if (typeof options.json === 'object' && options.json !== null) {
      rememberSecretsOf(options.json as Record<string, unknown>, null);
    }
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      redirect: 'manual',
      body: options.json !== undefined ? JSON.stringify(options.json) : options.body,
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const [name = '', value = ''] = pair.split('=');
      if (value === '') {
        this.cookies.delete(name);
      } else {
        this.cookies.set(name, value);
        rememberSecret(value);
      }
    }
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      body = {};
    }
    rememberSecretsOf(body, response.headers.get('location'));
    return { status: response.status, headers: response.headers, body, text };
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  async login(connector: string, username: string, password: string) {
    const response = await this.request('POST', `/auth/${connector}/login`, { json: { username, password } });
    if (response.status === 200) {
      this.csrfToken = response.body.csrfToken as string;
    }
    return response;
  }
}

/** Signs GetCallerIdentity at `endpoint` with credentials in the credential_process shape the broker returned. */
export async function callerIdentityWith(
  endpoint: string,
  issued: Record<string, unknown>,
  region = 'us-east-1',
): Promise<GetCallerIdentityCommandOutput> {
  const client = new STSClient({
    region,
    endpoint,
    credentials: {
      accessKeyId: issued.AccessKeyId as string,
      secretAccessKey: issued.SecretAccessKey as string,
      sessionToken: issued.SessionToken as string,
    },
  });
  try {
    return await client.send(new GetCallerIdentityCommand({}));
  } finally {
    client.destroy();
  }
}
