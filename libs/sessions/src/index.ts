export * from './broker-session';
export * from './session-manager';
export * from './session.config';
export * from './user-names';
export * from './user-index';
export * from './user-revocations';
