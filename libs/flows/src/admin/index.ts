export * from './explain-flow';
export * from './revoke-user';
