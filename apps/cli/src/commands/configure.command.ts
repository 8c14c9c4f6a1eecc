import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { awsConfigPath, readConfigFile, writeConfigFile } from '../aws-config/config-file';
import { planProfiles, profileName, type WantedProfile } from '../aws-config/fedgate-profiles';
import { planSsoProfiles } from '../aws-config/sso-profiles';
import type { CliIo, CommandContext } from '../cli-io';
import { BrokerApi } from './broker-api';
import { brokerUrlOption, withVersion } from './command-options';

interface ConfigureOptions {
  prefix: string;
  dryRun?: boolean;
  url?: string;
  region?: string;
  /** sso-session profiles for fedgate's AWS SSO endpoints instead of credential_process (docs/aws-sso.md). */
  sso?: boolean;
}

/**
 * How the generated profiles run fedgate: this Node and this CLI's entry
 * point, both absolute, so the AWS tools find them whatever their PATH.
 */
export function fedgateCommand(): string[] {
  return [process.execPath, join(__dirname, '..', 'main.js')];
}

/** The `sso-session` and `services` section that `--sso` writes. */
const SSO_SESSION_NAME = 'fedgate';

function parsePrefix(value: string): string {
  if (!/^[A-Za-z0-9_.-]*$/.test(value)) {
    throw new InvalidArgumentError('use only letters, digits, _ . and -');
  }
  return value;
}

function parseRegion(value: string): string {
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(value)) {
    throw new InvalidArgumentError('expected an AWS region such as us-east-1');
  }
  return value;
}

/** Writes (or with --dry-run, shows) one profile per issuable entitlement; see planProfiles. */
export async function runConfigure(options: ConfigureOptions, io: CliIo): Promise<void> {
  const api = await BrokerApi.connect(options.url, io.env);
  const entitlements = await api.entitlements();
  const profiles: WantedProfile[] = [];
  const seen = new Map<string, string>();
  for (const entitlement of entitlements.filter((candidate) => candidate.issuable)) {
    const name = profileName(options.prefix, entitlement.accountName, entitlement.permissionSet);
    const what = `${entitlement.accountName}/${entitlement.permissionSet}`;
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      throw new Error(`${earlier} and ${what} would both be profile ${name}; nothing was written`);
    }
    seen.set(name, what);
    profiles.push({ name, accountId: entitlement.accountId, permissionSet: entitlement.permissionSet });
  }
  const path = awsConfigPath(io.env, io.cwd ?? process.cwd());
  const before = await readConfigFile(path);
  const region = options.region === undefined ? {} : { region: options.region };
  const plan =
    options.sso === true
      ? planSsoProfiles(before, {
          brokerUrl: api.brokerUrl,
          sessionName: SSO_SESSION_NAME,
          prefix: options.prefix,
          profiles,
          ...region,
        })
      : planProfiles(before, {
          brokerUrl: api.brokerUrl,
          prefix: options.prefix,
          command: fedgateCommand(),
          profiles,
          ...region,
        });
  for (const change of plan.changes) {
    // --sso names whole sections (`profile x`, `sso-session fedgate`); the default names profiles.
    const what = options.sso === true ? change.name : `profile ${change.name}`;
    io.stdout.write(`${options.dryRun === true ? 'would ' : ''}${change.action} ${what}\n`);
  }
  const skipped = entitlements.filter((entitlement) => !entitlement.issuable);
  for (const entitlement of skipped) {
    io.stderr.write(
      `skipped ${entitlement.accountName}/${entitlement.permissionSet}: ${(entitlement.problems ?? ['not issuable']).join('; ')}\n`,
    );
  }
  if (options.dryRun === true) {
    io.stdout.write(`(dry run: ${path} was not changed)\n`);
    return;
  }
  if (plan.text !== before) {
    await writeConfigFile(path, before, plan.text);
  }
  io.stdout.write(`${path} is up to date\n`);
}

/** `fedgate configure [--prefix P] [--region R] [--dry-run] [--sso] [--url URL]`. */
export function registerConfigureCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('configure')
    .description(
      'write one AWS profile per entitlement into ~/.aws/config (or AWS_CONFIG_FILE), leaving everything else in it as it was',
    )
    .option('--prefix <prefix>', 'start every profile name with this', parsePrefix, '')
    .option('--region <region>', 'the region setting of each profile', parseRegion)
    .option('--dry-run', 'print what would change without writing anything')
    .option(
      '--sso',
      'write sso-session profiles that AWS tools sign in with through fedgate (aws sso login), instead of credential_process',
    );
  brokerUrlOption(command);
  withVersion(command, program);
  command.action(async (options: ConfigureOptions) => {
    await runConfigure(options, context.io);
  });
}
