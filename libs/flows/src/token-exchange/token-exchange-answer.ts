import { toCredentialProcess, type CredentialProcessOutput } from '@fedgate/issuance';
import { ISSUED_TOKEN_TYPES } from '@fedgate/token-exchange';
import type { TokenExchangeResult } from './token-exchange-flow';

/** RFC 8693 section 2.2.1's answer. */
export interface TokenExchangeAnswerBase {
  access_token: string;
  issued_token_type: string;
  token_type: 'Bearer' | 'N_A';
  expires_in: number;
}

/** With AWS credentials, the body is also credential_process JSON, so `credential_process = curl …` works. */
export type TokenExchangeAnswer =
  TokenExchangeAnswerBase | (TokenExchangeAnswerBase & CredentialProcessOutput);

/**
 * The successful answer: a fedgate access token (`token_type: Bearer`);
 * AWS credentials as credential_process JSON (`Version`, `AccessKeyId`, …)
 * with the session token as `access_token`; or a console sign-in URL as
 * `access_token`. The last two are no OAuth access tokens (`token_type:
 * N_A`, RFC 8693 section 2.2.1). The body is secret: never logged.
 */
export function tokenExchangeAnswer(result: TokenExchangeResult, now: number): TokenExchangeAnswer {
  switch (result.kind) {
    case 'access_token':
      return {
        access_token: result.accessToken,
        issued_token_type: ISSUED_TOKEN_TYPES.accessToken,
        token_type: 'Bearer',
        expires_in: result.expiresInSeconds,
      };
    case 'aws_console_url':
      return {
        access_token: result.url,
        issued_token_type: ISSUED_TOKEN_TYPES.awsConsoleUrl,
        token_type: 'N_A',
        expires_in: result.expiresInSeconds,
      };
    case 'aws_credentials':
      return {
        ...toCredentialProcess(result.credentials),
        access_token: result.credentials.sessionToken,
        issued_token_type: ISSUED_TOKEN_TYPES.awsCredentials,
        token_type: 'N_A',
        expires_in: Math.max(0, Math.floor((result.credentials.expiration.getTime() - now) / 1000)),
      };
  }
}
