export * from './errors';
export * from './identity';
export * from './durations';
export * from './package-root';
