import { Controller, Get, Header, Inject } from '@nestjs/common';
import {
  openIdConfiguration,
  resolveWebIdentitySettings,
  WebIdentityKeyRing,
  type JsonWebKeySetDocument,
  type OpenIdConfigurationDocument,
} from '@fedgate/issuance';
import { BROKER_STARTUP_CONFIG, type BrokerStartupConfig } from '../tokens';

/** Verifiers (IAM, sts-local) fetch these often; five minutes bounds how long a rotation takes to be seen. */
const CACHE_CONTROL = 'public, max-age=300';
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * fedgate as an OIDC token issuer for AssumeRoleWithWebIdentity: the
 * discovery document and the public signing keys. Public, unauthenticated,
 * and never anything private (docs/web-identity.md).
 */
@Controller('.well-known')
export class WellKnownController {
  private readonly configuration: OpenIdConfigurationDocument;

  constructor(
    @Inject(BROKER_STARTUP_CONFIG) config: BrokerStartupConfig,
    @Inject(WebIdentityKeyRing) private readonly keys: WebIdentityKeyRing,
  ) {
    this.configuration = openIdConfiguration(
      resolveWebIdentitySettings(config.issuance, config.server.publicUrl).issuer,
    );
  }

  @Get('openid-configuration')
  @Header('Cache-Control', CACHE_CONTROL)
  @Header('Content-Type', JSON_TYPE)
  openidConfiguration(): OpenIdConfigurationDocument {
    return this.configuration;
  }

  @Get('jwks.json')
  @Header('Cache-Control', CACHE_CONTROL)
  @Header('Content-Type', JSON_TYPE)
  jwks(): JsonWebKeySetDocument {
    return this.keys.jwks();
  }
}
