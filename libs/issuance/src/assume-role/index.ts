export * from './assume-role-issuer';
