export * from './broker-session';
export * from './session-manager';
export * from './session.config';
