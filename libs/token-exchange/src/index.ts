/**
 * Token exchange (RFC 8693) at POST /oauth/token: the `tokenExchange`
 * config section (its callers), the request's parameters, the target URI
 * form and the error codes callers see. The use case itself is
 * @fedgate/flows' TokenExchangeFlow. docs/custom-broker.md, docs/workloads.md.
 */
export * from './token-exchange.config';
export * from './token-exchange-checks';
export * from './token-exchange-refusal';
export * from './token-exchange-request';
export * from './token-types';
