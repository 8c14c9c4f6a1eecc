import type { Command } from 'commander';
import type { CliIo, CommandContext } from '../cli-io';
import { CredentialCache } from '../credential-cache/credential-cache';
import { resolveBrokerUrl } from '../session/access-token';
import { TokenStore } from '../session/token-store';
import { BrokerApi, type IssuedCredentials } from './broker-api';
import {
  brokerUrlOption,
  entitlementOptions,
  type EntitlementOptions,
  parseDurationOption,
  withVersion,
} from './command-options';

/**
 * Credentials for one entitlement, from the cache under $XDG_CACHE_HOME/fedgate
 * while they have more than 15 minutes left, else from the broker (one
 * process at a time; see CredentialCache.obtain).
 */
export async function cachedCredentials(options: EntitlementOptions, io: CliIo): Promise<IssuedCredentials> {
  const cache = new CredentialCache(io.env);
  const brokerUrl = await resolveBrokerUrl(options.url, io.env, new TokenStore(io.env));
  const key = {
    brokerUrl,
    accountId: options.account,
    permissionSet: options.permissionSet,
    ...(options.duration === undefined ? {} : { durationSeconds: options.duration }),
  };
  // The login is only needed (and its token refreshed) when the cache has nothing fresh.
  return cache.obtain(key, async () =>
    (await BrokerApi.connect(brokerUrl, io.env)).credentials({
      accountId: options.account,
      permissionSet: options.permissionSet,
      ...(options.duration === undefined ? {} : { durationSeconds: options.duration }),
    }),
  );
}

/** Exactly the fields of the credential_process format, nothing else. */
export function credentialProcessJson(credentials: IssuedCredentials): string {
  const { AccessKeyId, SecretAccessKey, SessionToken, Expiration } = credentials;
  return JSON.stringify({ Version: 1, AccessKeyId, SecretAccessKey, SessionToken, Expiration });
}

/** `fedgate credential-process --account ID --permission-set NAME [--duration D] [--url URL]`. */
export function registerCredentialProcessCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('credential-process')
    .description(
      'print credentials in the format of the AWS credential_process setting (for ~/.aws/config; fedgate configure writes it)',
    )
    .option(
      '--duration <duration>',
      'how long the credentials last, e.g. 1h (the broker may lower it)',
      parseDurationOption,
    );
  entitlementOptions(command);
  brokerUrlOption(command);
  withVersion(command, program);
  command.action(async (options: EntitlementOptions) => {
    const credentials = await cachedCredentials(options, context.io);
    context.io.stdout.write(`${credentialProcessJson(credentials)}\n`);
  });
}
