export * from './issued-credentials';
export * from './assume-role-issuer';
export * from './sts-client';
export * from './sts-errors';
export * from './endpoint-probe';
