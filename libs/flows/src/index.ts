export * from './audit';
export * from './sign-in';
export * from './credentials';
export * from './admin';
export * from './token-exchange';
