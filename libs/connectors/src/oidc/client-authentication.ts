import { createPrivateKey, webcrypto } from 'node:crypto';
import * as client from 'openid-client';
import type { OidcConnectorConfig } from './oidc-connector.config';

const SIGNING_PARAMETERS = {
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  PS256: { name: 'RSA-PSS', hash: 'SHA-256' },
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
} as const;

/**
 * How fedgate authenticates to the token endpoint: client_secret_basic, or
 * private_key_jwt (RFC 7523) with its own key, which never leaves fedgate.
 */
export async function clientAuthentication(config: OidcConnectorConfig): Promise<{
  auth: client.ClientAuth;
  method: 'client_secret_basic' | 'private_key_jwt';
}> {
  if (config.privateKeyJwt !== undefined) {
    const { privateKey, keyId, alg } = config.privateKeyJwt;
    const der = createPrivateKey(privateKey).export({ format: 'der', type: 'pkcs8' });
    const key = await webcrypto.subtle.importKey('pkcs8', der, SIGNING_PARAMETERS[alg], false, ['sign']);
    return {
      auth: client.PrivateKeyJwt(keyId === undefined ? key : { key, kid: keyId }),
      method: 'private_key_jwt',
    };
  }
  return { auth: client.ClientSecretBasic(config.clientSecret ?? ''), method: 'client_secret_basic' };
}
