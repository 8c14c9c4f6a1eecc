import { createHash } from 'node:crypto';
import type { Store } from '@fedgate/store';
import { samlRefusal } from './saml-refusal';

/**
 * Every assertion is accepted once, across replicas: its (issuer, ID) is
 * written with SET NX until it would be refused anyway (its NotOnOrAfter
 * plus the skew). A second post of the same assertion, concurrent or later,
 * is refused with `saml.replay`; when the store cannot answer, the sign-in
 * fails with `store_unavailable` (fail closed).
 */
export class AssertionReplayCache {
  constructor(
    private readonly store: Pick<Store, 'setIfAbsent'>,
    private readonly connectorId: string,
  ) {}

  async accept(issuer: string, assertionId: string, acceptableUntil: number, now: number): Promise<void> {
    const digest = createHash('sha256').update(`${issuer}\u0000${assertionId}`).digest('base64url');
    const ttlMs = Math.max(1000, Math.ceil(acceptableUntil - now));
    const first = await this.store.setIfAbsent(`saml-assertion:${this.connectorId}:${digest}`, '1', ttlMs);
    if (!first) {
      throw samlRefusal('replay', 'this sign-in response was already used; sign in again', {
        assertion: assertionId,
      });
    }
  }
}
