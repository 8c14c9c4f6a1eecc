import type { Provider } from '@nestjs/common';
import type { BrokerRuntime } from '../broker-runtime';
import { BearerAuth } from './bearer-auth';
import { BrowserSessions } from './browser-session';
import { DeviceController } from './device.controller';
import { OAuthController } from './oauth.controller';
import { OAuthRuntime } from './oauth-runtime';

/** The controllers of the CLI's OAuth endpoints. */
export const OAUTH_CONTROLLERS = [OAuthController, DeviceController];

/** What the OAuth endpoints and the bearer check need, built from the runtime. */
export function oauthProviders(runtime: BrokerRuntime): Provider[] {
  return [{ provide: OAuthRuntime, useValue: new OAuthRuntime(runtime) }, BrowserSessions, BearerAuth];
}
