export * from './signing-keys';
export * from './discovery';
export * from './web-identity-token';
export * from './unsigned-sts-client';
export * from './web-identity-issuer';
