export * from './cache-key';
export * from './cache-cipher';
export * from './credential-cache';
