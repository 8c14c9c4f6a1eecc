import type { FedgateConfig } from '@fedgate/config';

/** Injection tokens for values that are not classes. */
export const BROKER_CONFIG = Symbol('BROKER_CONFIG');
export const BROKER_LOGGER = Symbol('BROKER_LOGGER');
export const BROKER_STORE = Symbol('BROKER_STORE');

export type BrokerConfigRef = FedgateConfig;
