import type { Provider } from '@nestjs/common';
import type { BrokerRuntime } from '../broker-runtime';
import { AwsSsoRuntime } from './aws-sso-runtime';
import { SsoAuthorizeController } from './sso-authorize.controller';
import { SsoOidcController } from './sso-oidc.controller';
import { SsoPortalController } from './sso-portal.controller';

/** The AWS SSO OIDC and portal APIs (docs/aws-sso.md). */
export const AWS_SSO_CONTROLLERS = [SsoOidcController, SsoAuthorizeController, SsoPortalController];

export function awsSsoProviders(runtime: BrokerRuntime): Provider[] {
  return [{ provide: AwsSsoRuntime, useValue: new AwsSsoRuntime(runtime) }];
}
