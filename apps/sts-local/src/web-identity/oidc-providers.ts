import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { OidcProviderConfig, StsLocalConfig } from '../config/sts-local-config';

/** A configured OIDC provider, ready to verify tokens. */
export interface OidcProvider {
  accountId: string;
  /** `arn:PARTITION:iam::ACCOUNT:oidc-provider/HOST/PATH`, what trust policies name as Federated. */
  arn: string;
  /** The issuer without its scheme (`host/path`): the prefix of its condition keys and the response's Provider. */
  issuerKey: string;
  config: OidcProviderConfig;
  keys: JWTVerifyGetKey;
}

/** `https://idp.example.com/path/` → `idp.example.com/path`, as IAM names OIDC providers. */
export function issuerKey(issuer: string): string {
  return issuer.replace(/^https?:\/\//, '').replace(/\/+$/, '');
}

/**
 * The OIDC providers of every account. Key sets from files are read once at
 * start-up; remote ones are fetched on first use and cached by jose
 * (with a one-second cooldown, so a flood of bad tokens cannot hammer the
 * IdP, while a key the IdP just rotated in is picked up at once).
 */
export class OidcProviders {
  private readonly providers: OidcProvider[] = [];

  constructor(config: StsLocalConfig) {
    for (const account of config.accounts) {
      for (const provider of account.oidcProviders) {
        const key = issuerKey(provider.url);
        const keys =
          provider.jwksFile !== undefined
            ? createLocalJWKSet(JSON.parse(readFileSync(provider.jwksFile, 'utf8')) as JSONWebKeySet)
            : createRemoteJWKSet(new URL(provider.jwksUri ?? ''), {
                timeoutDuration: 5000,
                // A token with an unknown kid fetches the set again after a second, not jose's 30 s:
                // a restarted broker's new key works at once, as a local emulator should.
                cooldownDuration: 1000,
              });
        this.providers.push({
          accountId: account.id,
          arn: `arn:${config.partition}:iam::${account.id}:oidc-provider/${key}`,
          issuerKey: key,
          config: provider,
          keys,
        });
      }
    }
  }

  /** The provider in `accountId` for a token's `iss` (as AWS looks it up: in the role's account). */
  find(accountId: string, issuer: string): OidcProvider | undefined {
    const key = issuerKey(issuer);
    return this.providers.find((provider) => provider.accountId === accountId && provider.issuerKey === key);
  }
}
