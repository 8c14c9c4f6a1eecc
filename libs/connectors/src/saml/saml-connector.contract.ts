import { randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { DOMParser } from '@xmldom/xmldom';
import { FedgateError } from '@fedgate/core';
import type { AuthnRequestOutput, SamlConnector, SamlPost } from '../connector';
import { documentedIdentityShape } from '../connector.contract';

/**
 * The behaviour every SAML connector must share, written once and run
 * against each configuration of it with a real IdP implementation that is
 * not the connector's own code (test/saml: the test IdP of the fixture
 * generator, live and from files): the AuthnRequest names this ACS and a
 * fresh ID and carries RelayState untouched; the IdP's signed answer signs
 * in an identity of the documented shape; every response signs in once
 * (also under concurrent posts); a response to another sign-in, an altered
 * one, an unasked one (IdP-initiated, off by default) and a DOCTYPE are
 * refused with `assertion_invalid` at a `saml.<check>` phase, without the
 * response in the error, and a refused response is not used up; a store or
 * IdP metadata that cannot answer fails closed.
 */
export interface SamlConnectorUnderTest {
  /** The connector with IdP-initiated sign-in off (the default). */
  connector: SamlConnector;
  /** Its Assertion Consumer Service URL. */
  acsUrl: string;
  /** Who the IdP signs in: the subject the identity must carry. */
  subject: string;
  /** The IdP at work: the browser arrives with this AuthnRequest, the IdP answers with a signed SAMLResponse field. */
  respond(request: AuthnRequestOutput): Promise<string>;
  /** A signed response the IdP sends unasked (IdP-initiated) to this ACS. */
  unsolicited(): Promise<string>;
  /** The same connector with a store that does not answer. */
  storeDown: SamlConnector;
  /** The same connector pointed at IdP metadata that cannot be loaded (a closed port). */
  unreachable: SamlConnector;
}

const PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';

/** The AuthnRequest and RelayState an output carries, whichever binding it uses. */
function carried(output: AuthnRequestOutput): {
  xml: string;
  relayState: string | null;
  destination: string;
} {
  if (output.redirect.kind === 'url') {
    const url = new URL(output.redirect.url);
    const encoded = url.searchParams.get('SAMLRequest') ?? '';
    return {
      xml: inflateRawSync(Buffer.from(encoded, 'base64')).toString('utf8'),
      relayState: url.searchParams.get('RelayState'),
      destination: `${url.origin}${url.pathname}`,
    };
  }
  return {
    xml: Buffer.from(output.redirect.fields.SAMLRequest ?? '', 'base64').toString('utf8'),
    relayState: output.redirect.fields.RelayState ?? null,
    destination: output.redirect.action,
  };
}

function newRelayState(): string {
  return randomBytes(24).toString('base64url');
}

async function begin(
  under: SamlConnectorUnderTest,
): Promise<{ request: AuthnRequestOutput; samlResponse: string }> {
  const request = await under.connector.authnRequest(
    { acsUrl: under.acsUrl, relayState: newRelayState() },
    { clientAddress: '127.0.0.1' },
  );
  return { request, samlResponse: await under.respond(request) };
}

function post(
  under: SamlConnectorUnderTest,
  samlResponse: string,
  inResponseTo: string | undefined,
): SamlPost {
  return { acsUrl: under.acsUrl, samlResponse, inResponseTo };
}

/** The refusal's code and whether its phase names a SAML check; 'signed in' when it was not refused. */
async function refusal(promise: Promise<unknown>): Promise<FedgateError | 'signed in'> {
  try {
    await promise;
    return 'signed in';
  } catch (error) {
    if (error instanceof FedgateError) {
      return error;
    }
    throw error;
  }
}

function expectAssertionRefusal(outcome: FedgateError | 'signed in', samlResponse: string): void {
  if (outcome === 'signed in') {
    throw new Error('expected a refusal, got a sign-in');
  }
  expect(outcome.code).toBe('assertion_invalid');
  expect(outcome.phase).toMatch(/^saml\.[a-z-]+$/);
  expect(outcome.message).toMatch(/^Sign-in failed: /);
  // Operators read the detail, people the message: neither ever carries the response.
  const said = `${outcome.message} ${JSON.stringify(outcome.detail)}`;
  expect(said).not.toContain(samlResponse.slice(0, 40));
  expect(said).not.toContain(Buffer.from(samlResponse, 'base64').toString('utf8').slice(0, 60));
}

/** Registers the contract's tests for one SAML connector; `setup` is read when the tests run. */
export function describeSamlConnectorContract(name: string, setup: () => SamlConnectorUnderTest): void {
  describe(`SAML connector contract: ${name}`, () => {
    it('sends the browser to the IdP with a fresh AuthnRequest for this ACS, RelayState untouched', async () => {
      const under = setup();
      const relayState = newRelayState();
      const first = await under.connector.authnRequest({ acsUrl: under.acsUrl, relayState }, {});
      const second = await under.connector.authnRequest({ acsUrl: under.acsUrl, relayState }, {});
      expect(first.requestId).not.toBe(second.requestId);
      const { xml, relayState: sent, destination } = carried(first);
      expect(sent).toBe(relayState);
      const request = new DOMParser().parseFromString(xml, 'text/xml').documentElement;
      expect({
        namespace: request?.namespaceURI,
        name: request?.localName,
        id: request?.getAttribute('ID'),
        acs: request?.getAttribute('AssertionConsumerServiceURL'),
        destination: request?.getAttribute('Destination'),
      }).toEqual({
        namespace: PROTOCOL,
        name: 'AuthnRequest',
        id: first.requestId,
        acs: under.acsUrl,
        destination,
      });
      // The ID is an NCName with enough randomness to be unguessable.
      expect(first.requestId).toMatch(/^[_A-Za-z][\w.-]{31,}$/);
    });

    it('signs in with the IdP’s answer: an identity of the documented shape, keyed by this connector', async () => {
      const under = setup();
      const { request, samlResponse } = await begin(under);
      const { identity } = await under.connector.handlePost(post(under, samlResponse, request.requestId), {});
      const parsed = documentedIdentityShape.parse(identity);
      expect(parsed.connectorId).toBe(under.connector.id);
      expect(parsed.subject).toBe(under.subject);
      expect(parsed.groups).toEqual([...new Set(parsed.groups)].sort());
      expect(parsed.email === undefined || parsed.emailVerified === true).toBe(true);
    });

    it('signs each response in once: a second post, and all but one of concurrent posts, are refused', async () => {
      const under = setup();
      const once = await begin(under);
      await under.connector.handlePost(post(under, once.samlResponse, once.request.requestId), {});
      expectAssertionRefusal(
        await refusal(under.connector.handlePost(post(under, once.samlResponse, once.request.requestId), {})),
        once.samlResponse,
      );
      const raced = await begin(under);
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, () =>
          refusal(under.connector.handlePost(post(under, raced.samlResponse, raced.request.requestId), {})),
        ),
      );
      expect(outcomes.filter((outcome) => outcome === 'signed in')).toHaveLength(1);
      for (const outcome of outcomes.filter((one) => one !== 'signed in')) {
        expectAssertionRefusal(outcome, raced.samlResponse);
      }
    });

    it('refuses a response to another sign-in without using it up', async () => {
      const under = setup();
      const mine = await begin(under);
      const other = await under.connector.authnRequest(
        { acsUrl: under.acsUrl, relayState: newRelayState() },
        {},
      );
      expectAssertionRefusal(
        await refusal(under.connector.handlePost(post(under, mine.samlResponse, other.requestId), {})),
        mine.samlResponse,
      );
      const { identity } = await under.connector.handlePost(
        post(under, mine.samlResponse, mine.request.requestId),
        {},
      );
      expect(identity.subject).toBe(under.subject);
    });

    it('refuses a response altered after the IdP signed it', async () => {
      const under = setup();
      const { request, samlResponse } = await begin(under);
      const xml = Buffer.from(samlResponse, 'base64').toString('utf8');
      const altered = xml.replace(`>${under.subject}<`, `>${under.subject}-admin<`);
      // An encrypted assertion hides the subject: alter its ciphertext instead.
      const tampered =
        altered !== xml
          ? altered
          : xml.replace(/(<(?:\w+:)?CipherValue>)([A-Za-z0-9+/])/g, (_all, open: string, char: string) => {
              return `${open}${char === 'A' ? 'B' : 'A'}`;
            });
      expect(tampered).not.toBe(xml);
      const encoded = Buffer.from(tampered, 'utf8').toString('base64');
      expectAssertionRefusal(
        await refusal(under.connector.handlePost(post(under, encoded, request.requestId), {})),
        encoded,
      );
    });

    it('refuses an IdP-initiated response while IdP-initiated sign-in is off', async () => {
      const under = setup();
      const samlResponse = await under.unsolicited();
      expectAssertionRefusal(
        await refusal(under.connector.handlePost(post(under, samlResponse, undefined), {})),
        samlResponse,
      );
    });

    it('refuses a document type declaration and a body that is not a SAML response', async () => {
      const under = setup();
      const { request, samlResponse } = await begin(under);
      const xml = Buffer.from(samlResponse, 'base64').toString('utf8');
      for (const body of [
        `<!DOCTYPE r [<!ENTITY e "x">]>${xml.replace(/^<\?xml[^>]*>/, '')}`,
        '<html><body>not SAML</body></html>',
        'not base64 at all!',
      ]) {
        const encoded = body === 'not base64 at all!' ? body : Buffer.from(body, 'utf8').toString('base64');
        expectAssertionRefusal(
          await refusal(under.connector.handlePost(post(under, encoded, request.requestId), {})),
          encoded,
        );
      }
    });

    it('fails closed when its store does not answer', async () => {
      const under = setup();
      const { request, samlResponse } = await begin(under);
      const outcome = await refusal(
        under.storeDown.handlePost(post(under, samlResponse, request.requestId), {}),
      );
      expect(outcome === 'signed in' ? outcome : outcome.code).toBe('store_unavailable');
    });

    it('reports IdP metadata it cannot load as idp_unavailable, never a sign-in', async () => {
      const under = setup();
      const started = await refusal(
        under.unreachable.authnRequest({ acsUrl: under.acsUrl, relayState: 'x' }, {}),
      );
      expect(started === 'signed in' ? 'answered' : started.code).toBe('idp_unavailable');
      const { request, samlResponse } = await begin(under);
      const posted = await refusal(
        under.unreachable.handlePost(post(under, samlResponse, request.requestId), {}),
      );
      expect(posted === 'signed in' ? posted : posted.code).toBe('idp_unavailable');
    });

    it('publishes SP metadata naming its ACS URL and no private key', () => {
      const under = setup();
      if (under.connector.spMetadata === undefined) {
        throw new Error('a SAML connector must publish SP metadata (GET /auth/{id}/metadata)');
      }
      const xml = under.connector.spMetadata(under.acsUrl);
      const root = new DOMParser().parseFromString(xml, 'text/xml').documentElement;
      expect(root?.localName).toBe('EntityDescriptor');
      expect(xml).toContain(`Location="${under.acsUrl}"`);
      expect(xml).not.toMatch(/PRIVATE KEY/);
    });
  });
}
