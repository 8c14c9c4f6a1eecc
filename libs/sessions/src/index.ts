export * from './broker-session';
export * from './session-manager';
