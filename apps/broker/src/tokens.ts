import type { FedgateConfig } from '@fedgate/broker-config';

/** Injection tokens for values that are not classes. */
export const BROKER_CONFIG = Symbol('BROKER_CONFIG');
export const BROKER_LOGGER = Symbol('BROKER_LOGGER');
export const BROKER_STORE = Symbol('BROKER_STORE');
/** The broker's clock, `() => milliseconds`. */
export const BROKER_CLOCK = Symbol('BROKER_CLOCK');

export type BrokerClock = () => number;

export type BrokerConfigRef = FedgateConfig;
