import { Module, type DynamicModule } from '@nestjs/common';
import { LiveConfig } from '@fedgate/broker-config';
import { ConnectorCatalog } from '@fedgate/connectors';
import {
  CredentialsFlow,
  ExplainFlow,
  IdentityRefresh,
  PasswordSignIn,
  RedirectSignIn,
  RevokeUser,
  SignOut,
} from '@fedgate/flows';
import { WebIdentityKeyRing } from '@fedgate/issuance';
import { BrokerMetrics } from '@fedgate/metrics';
import { SessionManager } from '@fedgate/sessions';
import { LoginThrottle } from '@fedgate/throttling';
import type { BrokerRuntime } from './broker-runtime';
import { AdminController } from './controllers/admin.controller';
import { RevocationController } from './controllers/revocation.controller';
import { ConfigReloadController } from './controllers/config-reload.controller';
import { ConfigReloader } from './config-reloader';
import { ApiController } from './controllers/api.controller';
import { AuthController } from './controllers/auth.controller';
import { ConsoleController } from './controllers/console.controller';
import { HealthController } from './controllers/health.controller';
import { MetricsController } from './controllers/metrics.controller';
import { WellKnownController } from './controllers/well-known.controller';
import { AWS_SSO_CONTROLLERS, awsSsoProviders } from './aws-sso/aws-sso-providers';
import { OAUTH_CONTROLLERS, oauthProviders } from './oauth/oauth-providers';
import { tokenExchangeProviders } from './oauth/token-exchange/token-exchange-providers';
import { PortalController } from './portal/portal.controller';
import { BearerAuth } from './oauth/bearer-auth';
import { SessionCookie } from './http/session-cookie';
import { SessionAuthenticator } from './http/session-authenticator';
import { SessionGuard } from './http/session.guard';
import { SignInCookie } from './http/sign-in-cookie';
import { BROKER_CLOCK, BROKER_STARTUP_CONFIG, BROKER_LOGGER, BROKER_STORE } from './tokens';

/** Wires the runtime's ready-built singletons into Nest; nothing is constructed by discovery. */
@Module({})
export class BrokerModule {
  static forRuntime(runtime: BrokerRuntime): DynamicModule {
    return {
      module: BrokerModule,
      controllers: [
        HealthController,
        AuthController,
        ApiController,
        AdminController,
        RevocationController,
        ConfigReloadController,
        ConsoleController,
        WellKnownController,
        MetricsController,
        ...OAUTH_CONTROLLERS,
        PortalController,
        ...AWS_SSO_CONTROLLERS,
      ],
      providers: [
        { provide: BROKER_STARTUP_CONFIG, useValue: runtime.config },
        { provide: LiveConfig, useValue: runtime.liveConfig },
        { provide: ConfigReloader, useValue: runtime.configReloader },
        { provide: BROKER_LOGGER, useValue: runtime.logger },
        { provide: BROKER_STORE, useValue: runtime.store },
        { provide: BROKER_CLOCK, useValue: runtime.now },
        { provide: ConnectorCatalog, useValue: runtime.connectors },
        { provide: SessionManager, useValue: runtime.sessions },
        { provide: WebIdentityKeyRing, useValue: runtime.webIdentityKeys },
        {
          provide: CredentialsFlow,
          useValue: new CredentialsFlow({
            config: () => runtime.liveConfig.current,
            issuance: runtime.issuance,
            consoleSignin: runtime.consoleSignin,
            audit: runtime.audit,
            rateLimit: runtime.issuanceRateLimit,
            now: runtime.now,
          }),
        },
        {
          provide: ExplainFlow,
          useValue: new ExplainFlow({
            config: () => runtime.liveConfig.current,
            audit: runtime.audit,
            now: runtime.now,
          }),
        },
        { provide: LoginThrottle, useValue: runtime.throttle },
        { provide: SessionCookie, useValue: new SessionCookie(runtime.config.server) },
        { provide: SignInCookie, useValue: new SignInCookie(runtime.config.server.publicUrl) },
        { provide: PasswordSignIn, useValue: runtime.passwordSignIn },
        { provide: RedirectSignIn, useValue: runtime.redirectSignIn },
        { provide: IdentityRefresh, useValue: runtime.identityRefresh },
        { provide: SignOut, useValue: runtime.signOut },
        { provide: RevokeUser, useValue: runtime.revokeUser },
        { provide: BrokerMetrics, useValue: runtime.metrics },
        ...oauthProviders(runtime),
        ...tokenExchangeProviders(runtime),
        ...awsSsoProviders(runtime),
        {
          provide: SessionAuthenticator,
          useFactory: (cookie: SessionCookie, bearer: BearerAuth) =>
            new SessionAuthenticator(
              runtime.sessions,
              cookie,
              runtime.config.server.publicUrl,
              runtime.identityRefresh,
              bearer,
            ),
          inject: [SessionCookie, BearerAuth],
        },
        SessionGuard,
      ],
    };
  }
}
