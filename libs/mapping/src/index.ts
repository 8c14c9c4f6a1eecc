export * from './entitlement';
export * from './evaluate';
export * from './session-names';
