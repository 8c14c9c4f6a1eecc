import { type Command, InvalidArgumentError } from 'commander';
import type { CommandContext } from '../cli-io';
import { startCredentialServer } from '../credential-server/credential-server';
import {
  brokerUrlOption,
  entitlementOptions,
  type EntitlementOptions,
  parseDurationOption,
  withVersion,
} from './command-options';
import { cachedCredentials } from './credential-process.command';

interface ServeOptions extends EntitlementOptions {
  port: number;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new InvalidArgumentError('expected a port number, 0–65535 (0: any free port)');
  }
  return port;
}

/** Resolves at the first SIGINT or SIGTERM. */
function untilStopped(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** `fedgate serve-credentials --account ID --permission-set NAME [--port N] [--duration D] [--url URL]`. */
export function registerServeCredentialsCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('serve-credentials')
    .description(
      'serve credentials on 127.0.0.1 in the AWS container credentials format, for tools that do not run credential_process',
    )
    .option('--port <port>', 'the port to listen on (default: any free port)', parsePort, 0)
    .option('--duration <duration>', 'how long each set of credentials lasts, e.g. 1h', parseDurationOption);
  entitlementOptions(command);
  brokerUrlOption(command);
  withVersion(command, program);
  command.action(async (options: ServeOptions) => {
    const { io } = context;
    // Fails now, not at the first request, when the login is missing or the entitlement refused.
    await cachedCredentials(options, io);
    const server = await startCredentialServer({
      port: options.port,
      // Through the same cache as credential-process: refreshed 15 minutes before expiry.
      credentials: () => cachedCredentials(options, io),
      onError: (message) => io.stderr.write(`fedgate: a credential request failed: ${message}\n`),
    });
    io.stdout.write(
      `export AWS_CONTAINER_CREDENTIALS_FULL_URI=${server.url}\nexport AWS_CONTAINER_AUTHORIZATION_TOKEN=${server.token}\n`,
    );
    io.stderr.write(
      `serving credentials for ${options.account}/${options.permissionSet}; run the export lines above in your shell; stop with Ctrl-C\n`,
    );
    await untilStopped();
    await server.close();
  });
}
