export * from './audit';
export * from './sign-in';
export * from './credentials';
