import { UNIQUE_ID_PREFIX, type Partition } from '@fedgate/aws';
import type { RoleConfig, StsLocalConfig, UserConfig } from '../config/sts-local-config';
import { parsePolicyDocument, type PolicyDocument } from '../trust/policy-document';
import { stableUniqueId } from './identifiers';

/** A configured IAM user with its ARN and unique id. */
export interface DirectoryUser {
  accountId: string;
  arn: string;
  userId: string;
  config: UserConfig;
}

/** A configured IAM role with its ARN, unique id and parsed trust policy. */
export interface DirectoryRole {
  accountId: string;
  arn: string;
  roleId: string;
  config: RoleConfig;
  trustPolicy: PolicyDocument;
}

/** The accounts, users and roles of a validated config, indexed for lookups. */
export class Directory {
  readonly partition: Partition;
  private readonly usersByKey = new Map<string, DirectoryUser>();
  private readonly rolesByArn = new Map<string, DirectoryRole>();

  constructor(config: StsLocalConfig) {
    this.partition = config.partition;
    for (const account of config.accounts) {
      for (const user of account.users) {
        const arn = `arn:${config.partition}:iam::${account.id}:user/${user.name}`;
        this.usersByKey.set(user.accessKeyId, {
          accountId: account.id,
          arn,
          userId: stableUniqueId(UNIQUE_ID_PREFIX.user, arn),
          config: user,
        });
      }
      for (const role of account.roles) {
        const parsed = parsePolicyDocument(role.trustPolicy, 'trust');
        if (!parsed.ok) {
          // The loader reports this with its path; a config that reaches here has valid policies.
          throw new Error(`role ${role.name}: ${parsed.message}`);
        }
        const arn = `arn:${config.partition}:iam::${account.id}:role${role.path}${role.name}`;
        this.rolesByArn.set(arn, {
          accountId: account.id,
          arn,
          roleId: stableUniqueId(UNIQUE_ID_PREFIX.role, arn),
          config: role,
          trustPolicy: parsed.policy,
        });
      }
    }
  }

  /** The user owning a long-term access key id. */
  userByAccessKey(accessKeyId: string): DirectoryUser | undefined {
    return this.usersByKey.get(accessKeyId);
  }

  /** Every configured user. */
  users(): DirectoryUser[] {
    return [...this.usersByKey.values()];
  }

  /** A role by its ARN; IAM ARNs are matched exactly, as AWS resolves them. */
  roleByArn(arn: string): DirectoryRole | undefined {
    return this.rolesByArn.get(arn);
  }
}
