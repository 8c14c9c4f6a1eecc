export * from './connector-lookup';
export * from './password-sign-in';
export * from './redirect-sign-in';
export * from './return-path';
export * from './session-start';
export * from './sign-in-state';
export * from './identity-refresh';
export * from './sign-out';
