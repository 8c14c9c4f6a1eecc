import type { Command } from 'commander';
import type { CommandContext } from '../cli-io';
import { CredentialCache } from '../credential-cache/credential-cache';
import { LoginRequiredError, resolveBrokerUrl, tokensFromResponse } from '../session/access-token';
import { deviceLogin } from '../session/device-login';
import { loopbackLogin } from '../session/loopback-login';
import { TokenStore } from '../session/token-store';
import { withVersion } from './command-options';
import { openInBrowser } from './open-in-browser';

/** How long `fedgate login` waits for the browser to come back. */
const BROWSER_TIMEOUT_MS = 5 * 60 * 1000;

interface LoginOptions {
  url?: string;
  device?: boolean;
  browser: boolean;
}

/**
 * Logs in to the broker and keeps the tokens: through the browser and a
 * loopback redirect by default, or with a code typed on another device
 * (`--device`). The broker becomes the default for later commands.
 */
export async function runLogin(context: CommandContext, options: LoginOptions): Promise<number> {
  const { io } = context;
  const store = new TokenStore(io.env);
  let brokerUrl: string;
  try {
    brokerUrl = await resolveBrokerUrl(options.url, io.env, store);
  } catch (error) {
    if (error instanceof LoginRequiredError) {
      io.stderr.write('fedgate: which broker? run fedgate login --url https://fedgate.example.com\n');
      return 2;
    }
    throw error;
  }
  const tokens =
    options.device === true
      ? await deviceLogin(brokerUrl, {
          onPrompt: ({ verificationUri, userCode, expiresInSeconds }) => {
            io.stderr.write(
              `To log in, open ${verificationUri} in a browser, sign in and type the code:\n\n    ${userCode}\n\n` +
                `The code expires in ${Math.round(expiresInSeconds / 60)} minutes. Waiting…\n`,
            );
          },
        })
      : await loopbackLogin(brokerUrl, {
          timeoutMs: BROWSER_TIMEOUT_MS,
          onAuthorizationUrl: async (url) => {
            // The URL holds no secret (PKCE keeps the verifier here), so it may be printed.
            const opened =
              options.browser &&
              (await openInBrowser(url, io.env).then(
                () => true,
                () => false,
              ));
            io.stderr.write(
              opened
                ? `Opening your browser to log in to ${brokerUrl}. If it does not open, visit:\n\n    ${url}\n\n`
                : `To log in to ${brokerUrl}, open this URL in a browser on this machine:\n\n    ${url}\n\n`,
            );
          },
        });
  await store.put(brokerUrl, tokensFromResponse(tokens, new Date()), { makeDefault: true });
  // The new login may be someone else's: no credentials cached for the previous one are reused.
  await new CredentialCache(io.env).forget(brokerUrl);
  io.stderr.write(`Logged in to ${brokerUrl}. Tokens are kept in ${store.file}.\n`);
  return 0;
}

/** `fedgate login [--url URL] [--device] [--no-browser]`. */
export function registerLoginCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('login')
    .description('log in to the broker through your browser (or --device on a machine without one)')
    .option('--url <url>', 'the broker (default: FEDGATE_URL, else the broker of your last login)')
    .option('--device', 'log in with a code typed in a browser on any device (RFC 8628)')
    .option('--no-browser', 'print the login URL instead of opening a browser')
    .action(async (options: LoginOptions) => {
      context.setExitCode(await runLogin(context, options));
    });
  withVersion(command, program);
}
