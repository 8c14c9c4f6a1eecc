import type { Command } from 'commander';
import type { CommandContext } from '../cli-io';
import { CredentialCache } from '../credential-cache/credential-cache';
import { LoginRequiredError, resolveBrokerUrl } from '../session/access-token';
import { CLI_CLIENT_ID, postForm } from '../session/oauth-client';
import { TokenStore } from '../session/token-store';
import { withVersion } from './command-options';

/**
 * Ends the login: revokes it on the broker (its access and refresh tokens
 * stop working everywhere) and deletes the local tokens. The local tokens
 * are deleted even when the broker cannot be reached, and the exit code
 * then says the revocation did not happen.
 */
export async function runLogout(context: CommandContext, options: { url?: string }): Promise<number> {
  const { io } = context;
  const store = new TokenStore(io.env);
  let brokerUrl: string;
  try {
    brokerUrl = await resolveBrokerUrl(options.url, io.env, store);
  } catch (error) {
    if (error instanceof LoginRequiredError) {
      io.stderr.write('fedgate: not logged in to any broker\n');
      return 0;
    }
    throw error;
  }
  // Credentials cached by credential-process end with the login: none is handed out after it.
  await new CredentialCache(io.env).forget(brokerUrl);
  const tokens = await store.get(brokerUrl);
  if (tokens === undefined) {
    io.stderr.write(`fedgate: not logged in to ${brokerUrl}\n`);
    return 0;
  }
  let revokeError: Error | undefined;
  try {
    // Revoking the refresh token ends the whole login, its access token included.
    const answer = await postForm<unknown>(brokerUrl, '/oauth/revoke', {
      client_id: CLI_CLIENT_ID,
      token: tokens.refreshToken,
      token_type_hint: 'refresh_token',
    });
    if (!answer.ok) {
      revokeError = new Error(`the broker refused the revocation (${answer.error.error})`);
    }
  } catch (error) {
    revokeError = error instanceof Error ? error : new Error(String(error));
  }
  await store.remove(brokerUrl);
  if (revokeError !== undefined) {
    io.stderr.write(
      `fedgate: deleted the local tokens, but ${revokeError.message}; the login ends on the broker when it expires or when you sign out there\n`,
    );
    return 1;
  }
  io.stderr.write(`Logged out of ${brokerUrl}.\n`);
  return 0;
}

/** `fedgate logout [--url URL]`. */
export function registerLogoutCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('logout')
    .description('end the login on the broker and delete the local tokens')
    .option('--url <url>', 'the broker (default: FEDGATE_URL, else the broker of your last login)')
    .action(async (options: { url?: string }) => {
      context.setExitCode(await runLogout(context, options));
    });
  withVersion(command, program);
}
