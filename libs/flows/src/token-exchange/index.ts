export * from './client-authentication';
export * from './token-exchange-flow';
export * from './token-exchange-answer';
