/**
 * Both issuance modes that use the broker's AWS credentials, against
 * moto_server, from a config through the mapping to the issuer: AssumeRole
 * with session tags, transitive keys, SourceIdentity, an inline policy,
 * managed policy ARNs and the account's ExternalId; GetFederationToken as
 * the user, with the permission set's policies and tags.
 *
 * moto accepts these parameters but keeps neither tags nor SourceIdentity,
 * so a small recording proxy in front of it captures the request as it went
 * over the wire (the form body the SDK signed), and the test checks what
 * moto answered: the session ARN, PackedPolicySize and working credentials.
 * moto needs no IAM user for GetFederationToken, and no role for AssumeRole.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { FedgateConfig } from '@fedgate/broker-config';
import { AssumeRoleIssuer, FederationTokenIssuer, StsClients } from '@fedgate/issuance';
import { startMoto, type MotoServer } from '../harness/moto';
import { planFor } from '../mapping/compiled-request';
import { identity, mappingConfig, NOW } from '../mapping/config-fixture';

/** moto's default account: the one its federated users and sessions belong to. */
const ACCOUNT = '123456789012';

/** Forwards every request to moto unchanged and keeps the form bodies, parsed. */
class RecordingProxy {
  readonly bodies: URLSearchParams[] = [];
  private readonly server: Server;

  constructor(private readonly target: URL) {
    this.server = createServer((incoming, outgoing) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const body = Buffer.concat(chunks);
        this.bodies.push(new URLSearchParams(body.toString('utf8')));
        const forwarded = httpRequest(
          {
            host: this.target.hostname,
            port: this.target.port,
            method: incoming.method,
            path: incoming.url,
            headers: incoming.headers,
          },
          (answer) => {
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(outgoing);
          },
        );
        forwarded.on('error', () => outgoing.destroy());
        forwarded.end(body);
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  /** The last request with this Action. */
  last(action: string): URLSearchParams {
    const found = this.bodies.filter((body) => body.get('Action') === action).at(-1);
    if (!found) {
      throw new Error(`no ${action} request reached moto`);
    }
    return found;
  }
}

function configFor(endpoint: string): FedgateConfig {
  return mappingConfig(`
backends:
  - id: moto
    type: sts
    endpoint: ${endpoint}
    timeout: 5s
    maxAttempts: 2
    credentials: { accessKeyId: AKIAFEDGATETEST00003, secretAccessKey: moto-accepts-any-secret }
accounts:
  - { id: "${ACCOUNT}", name: sandbox, backend: moto, externalId: "fedgate-ext:sandbox/1" }
permissionSets:
  - name: Data
    roleName: fedgate-Data
    sessionDuration: 2h
    managedPolicyArns: [arn:aws:iam::aws:policy/ReadOnlyAccess]
    sessionPolicy:
      Version: "2012-10-17"
      Statement:
        - { Effect: Allow, Action: ["s3:GetObject"], Resource: "arn:{{partition}}:s3:::data-{{accountId}}/*" }
    tags: { Department: "{{attributes.department}}", Who: "{{username}}" }
    transitiveTagKeys: [Department]
  - name: Reports
    mode: federation-token
    sessionDuration: 18h
    managedPolicyArns: [arn:aws:iam::aws:policy/job-function/ViewOnlyAccess]
    sessionPolicy:
      Version: "2012-10-17"
      Statement:
        - { Effect: Allow, Action: ["s3:GetObject"], Resource: "arn:{{partition}}:s3:::reports-{{accountId}}/*" }
    tags: { Department: "{{attributes.department}}" }
assignments:
  - { match: { attributes: { department: { regex: ".+" } } }, accounts: [sandbox], permissionSets: [Data, Reports] }
`);
}

describe('issuance modes against moto_server', () => {
  let moto: MotoServer;
  let proxy: RecordingProxy;
  let config: FedgateConfig;
  let clients: StsClients;
  const who = identity({ username: 'zoë', attributes: { department: ['Data'] } });

  beforeAll(async () => {
    moto = await startMoto();
    proxy = new RecordingProxy(new URL(moto.url));
    config = configFor(await proxy.start());
    clients = new StsClients(config.backends);
  });

  afterAll(async () => {
    clients.close();
    await proxy.stop();
    await moto.stop();
  });

  /** Zoë's plan for sandbox/Data (AssumeRole), optionally for a requested duration. */
  function dataPlan(requestedSeconds?: number) {
    return planFor(
      'assume-role',
      who,
      config,
      {
        account: 'sandbox',
        permissionSet: 'Data',
        ...(requestedSeconds === undefined ? {} : { requestedSeconds }),
      },
      NOW,
    );
  }

  /** Zoë's plan for sandbox/Reports (GetFederationToken), optionally for a requested duration. */
  function reportsPlan(requestedSeconds?: number) {
    return planFor(
      'federation-token',
      who,
      config,
      {
        account: 'sandbox',
        permissionSet: 'Reports',
        ...(requestedSeconds === undefined ? {} : { requestedSeconds }),
      },
      NOW,
    );
  }

  async function callerArn(credentials: {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken: string;
  }): Promise<string | undefined> {
    const session = new STSClient({ region: 'us-east-1', endpoint: moto.url, credentials });
    try {
      return (await session.send(new GetCallerIdentityCommand({}))).Arn;
    } finally {
      session.destroy();
    }
  }

  it('AssumeRole sends tags, transitive keys, SourceIdentity, both session policies and the ExternalId', async () => {
    const data = dataPlan();
    expect(data.externalId).toBe('fedgate-ext:sandbox/1');

    const issued = await new AssumeRoleIssuer(clients).issue(data);

    const sent = proxy.last('AssumeRole');
    expect(Object.fromEntries(sent)).toMatchObject({
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/fedgate-Data`,
      RoleSessionName: data.roleSessionName,
      SourceIdentity: data.sourceIdentity,
      DurationSeconds: '7200',
      ExternalId: 'fedgate-ext:sandbox/1',
      Policy: data.policy,
      'PolicyArns.member.1.arn': 'arn:aws:iam::aws:policy/ReadOnlyAccess',
      'Tags.member.1.Key': 'Department',
      'Tags.member.1.Value': 'Data',
      'Tags.member.2.Key': 'Who',
      'Tags.member.2.Value': 'zoë',
      'TransitiveTagKeys.member.1': 'Department',
    });
    expect(data.policy).toContain(`arn:aws:s3:::data-${ACCOUNT}/*`);

    expect(issued).toMatchObject({
      kind: 'role',
      accountId: ACCOUNT,
      assumedRoleArn: `arn:aws:sts::${ACCOUNT}:assumed-role/fedgate-Data/${data.roleSessionName}`,
    });
    expect(issued.accessKeyId).toMatch(/^ASIA/);
    expect(Math.abs(issued.expiration.getTime() - Date.now() - 7200 * 1000)).toBeLessThan(120 * 1000);
    expect(await callerArn(issued)).toBe(issued.assumedRoleArn);
  });

  it('AssumeRole: moto reports the packed policy size for the request the issuer builds', async () => {
    const client = clients.get('moto').client;
    const response = await client.send(new AssumeRoleCommand(AssumeRoleIssuer.request(dataPlan(3600))));
    // moto answers the classic field only, which the SDK now marks deprecated.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    const packed = response.PackedPolicySize;
    expect(typeof packed).toBe('number');
    expect(packed).toBeGreaterThanOrEqual(0);
    expect(packed).toBeLessThanOrEqual(100);
    expect(proxy.last('AssumeRole').get('DurationSeconds')).toBe('3600');
  });

  it("GetFederationToken as the user's federated name, with the permission set's policies and tags", async () => {
    const reports = reportsPlan();
    expect(reports.duration.seconds).toBe(18 * 3600);

    const issued = await new FederationTokenIssuer(clients).issue(reports);

    const sent = proxy.last('GetFederationToken');
    expect(Object.fromEntries(sent)).toMatchObject({
      Name: reports.federatedUserName,
      DurationSeconds: String(18 * 3600),
      Policy: reports.policy,
      'PolicyArns.member.1.arn': 'arn:aws:iam::aws:policy/job-function/ViewOnlyAccess',
      'Tags.member.1.Key': 'Department',
      'Tags.member.1.Value': 'Data',
    });
    // GetFederationToken has no role: no RoleArn, no SourceIdentity, and tags are never transitive.
    expect(
      [...sent.keys()].filter((key) => /^(RoleArn|SourceIdentity|TransitiveTagKeys|ExternalId)/.test(key)),
    ).toEqual([]);
    expect(reports.federatedUserName.length).toBeLessThanOrEqual(32);

    expect(issued).toMatchObject({
      kind: 'federated-user',
      accountId: ACCOUNT,
      assumedRoleArn: `arn:aws:sts::${ACCOUNT}:federated-user/${reports.federatedUserName}`,
    });
    expect(Math.abs(issued.expiration.getTime() - Date.now() - 18 * 3600 * 1000)).toBeLessThan(120 * 1000);
  });

  it('a requested duration is clamped by the plan for both modes', async () => {
    await new AssumeRoleIssuer(clients).issue(dataPlan(1800));
    expect(proxy.last('AssumeRole').get('DurationSeconds')).toBe('1800');
    await new FederationTokenIssuer(clients).issue(reportsPlan(129_600));
    expect(proxy.last('GetFederationToken').get('DurationSeconds')).toBe(String(18 * 3600));
  });
});
