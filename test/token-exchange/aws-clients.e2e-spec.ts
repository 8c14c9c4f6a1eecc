/**
 * Real AWS clients on exchanged credentials: a bash script that uses only
 * curl and the AWS CLI exchanges a GitHub Actions token from a token file
 * and calls `aws sts get-caller-identity` against sts-local; the SDK v3
 * does the same through a credential_process profile that runs curl on
 * the token file (the AWS_WEB_IDENTITY_TOKEN_FILE pattern).
 */
import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromProcess } from '@aws-sdk/credential-providers';
import { configFrom, startBroker, type RunningBroker } from '../broker/broker-harness';
import { BROKER_SECRET_KEY } from '../broker/slice-config';
import { freePort, makeTempDir } from '../harness/processes';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';
import { githubActionsClaims, LocalIssuer } from './local-issuer';
import { callerKey, STS_LOCAL_YAML, tokenExchangeBrokerYaml } from './token-exchange-fixture';

const run = promisify(execFile);
const SCRIPT = join(__dirname, 'exchange-with-curl.sh');
const now = (): number => Math.floor(Date.now() / 1000);

/** The environment of a clean machine: no AWS credentials or profile of the test runner's. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const kept = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  return { ...kept, AWS_EC2_METADATA_DISABLED: 'true', ...extra };
}

describe('AWS clients on exchanged credentials', () => {
  const env = { BROKER_SECRET: BROKER_SECRET_KEY };
  let sts: TestStsLocal;
  let corp: LocalIssuer;
  let github: LocalIssuer;
  let broker: RunningBroker;
  let publicUrl: string;
  let dir: string;
  let tokenFile: string;

  beforeAll(async () => {
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    sts = await startTestStsLocal(stsLocalConfigFrom(STS_LOCAL_YAML, env));
    corp = await LocalIssuer.start('RS256');
    github = await LocalIssuer.start('RS256');
    const yaml = await tokenExchangeBrokerYaml({
      publicUrl,
      stsUrl: sts.url,
      corpIssuer: corp.issuer,
      corpJwksUrl: corp.jwksUrl,
      githubIssuer: github.issuer,
      githubJwksUrl: github.jwksUrl,
      partnerKeyPem: (await callerKey()).publicPem,
    });
    broker = await startBroker(configFrom(yaml, env), { port });
    dir = await makeTempDir('fedgate-token-exchange-');
    tokenFile = join(dir, 'token');
  });

  afterAll(async () => {
    await broker.stop();
    await corp.stop();
    await github.stop();
    await sts.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** A fresh workflow token in the token file, as the runner would write it (no trailing newline). */
  async function writeWorkflowToken(claims: Record<string, unknown> = {}): Promise<void> {
    await writeFile(tokenFile, await github.mint({ ...githubActionsClaims(now(), publicUrl), ...claims }), {
      mode: 0o600,
    });
  }

  function script(): Promise<{ stdout: string; stderr: string }> {
    return run('bash', [SCRIPT], {
      env: cleanEnv({
        FEDGATE_URL: publicUrl,
        CLIENT_ID: 'github-workflows',
        TOKEN_FILE: tokenFile,
        ACCOUNT: 'sandbox',
        PERMISSION_SET: 'Deployer',
        AWS_ENDPOINT_URL_STS: sts.url,
      }),
    });
  }

  it('curl exchanges the token and the AWS CLI calls sts get-caller-identity with the credentials', async () => {
    await writeWorkflowToken();
    const { stdout } = await script();
    expect(stdout.trim()).toMatch(
      /^arn:aws:sts::123456789012:assumed-role\/fedgate-Deployer\/octo-org-octo-repo\./,
    );
  });

  it('the script fails, and the AWS CLI never runs, when fedgate refuses the token', async () => {
    await writeWorkflowToken({ ref: 'refs/heads/feature' });
    const failure = await script().then(
      () => undefined,
      (error: unknown) => error as { code: number; stdout: string; stderr: string },
    );
    expect(failure?.code).not.toBe(0);
    expect(failure?.stdout).not.toContain('arn:aws');
    expect(failure?.stderr).toContain('400');
  });

  it('the SDK v3 gets credentials through a credential_process profile that exchanges the token file with curl', async () => {
    await writeWorkflowToken();
    const configFile = join(dir, 'aws-config');
    const command = [
      'curl --silent --show-error --fail-with-body',
      '--data-urlencode grant_type=urn:ietf:params:oauth:grant-type:token-exchange',
      '--data-urlencode client_id=github-workflows',
      '--data-urlencode subject_token_type=urn:ietf:params:oauth:token-type:jwt',
      `--data-urlencode subject_token@${tokenFile}`,
      '--data-urlencode resource=urn:fedgate:aws:123456789012:Deployer',
      `${publicUrl}/oauth/token`,
    ].join(' ');
    await writeFile(configFile, `[profile workload]\ncredential_process = ${command}\n`, { mode: 0o600 });
    const client = new STSClient({
      endpoint: sts.url,
      region: 'us-east-1',
      credentials: fromProcess({
        profile: 'workload',
        configFilepath: configFile,
        filepath: join(dir, 'none'),
      }),
    });
    try {
      const identity = await client.send(new GetCallerIdentityCommand({}));
      expect(identity.Arn).toMatch(/^arn:aws:sts::123456789012:assumed-role\/fedgate-Deployer\//);
    } finally {
      client.destroy();
    }
  });
});
