import type { FedgateConfig } from '@fedgate/broker-config';

// Injection tokens for values that are not classes.

/**
 * The configuration the broker started with. Read only the sections a
 * reload cannot change from it (server, session, store, connectors,
 * backends, …: isLiveSection in @fedgate/broker-config); what the mapping
 * and the admin checks read comes from the LiveConfig provider, per request.
 */
export const BROKER_STARTUP_CONFIG = Symbol('BROKER_STARTUP_CONFIG');
export const BROKER_LOGGER = Symbol('BROKER_LOGGER');
export const BROKER_STORE = Symbol('BROKER_STORE');
/** The broker's clock, `() => milliseconds`. */
export const BROKER_CLOCK = Symbol('BROKER_CLOCK');

export type BrokerClock = () => number;

/** The value of BROKER_STARTUP_CONFIG: restart-only sections only. */
export type BrokerStartupConfig = FedgateConfig;
