export * from './federation-token-issuer';
