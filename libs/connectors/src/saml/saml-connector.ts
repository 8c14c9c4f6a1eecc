import type { Store } from '@fedgate/store';
import type {
  AuthnRequestInput,
  AuthnRequestOutput,
  LoginContext,
  SamlConnector as SamlConnectorCapability,
  SamlPost,
  SignedIn,
} from '../connector';
import { AssertionReplayCache } from './assertion-replay-cache';
import { authnRequestXml, newRequestId, redirectBindingUrl } from './authn-request';
import { IdpMetadataSource, type IdpMetadataStatus, type MetadataLog } from './idp-metadata-source';
import { verifySamlResponse, type VerificationPolicy } from './response-verification';
import { NAME_ID_FORMATS, type SamlConnectorConfig } from './saml-connector.config';
import { identityFromAssertion } from './saml-identity';
import { spMetadataXml } from './sp-metadata';

/** What a SAML connector uses besides its config. */
export interface SamlConnectorDependencies {
  /** The replay cache of assertion IDs lives here (Redis for several replicas). */
  store: Pick<Store, 'setIfAbsent'>;
  /** fedgate's public URL: the default SP entityID is `{publicUrl}/auth/{id}/metadata`. */
  publicUrl?: string | undefined;
  now?: (() => Date) | undefined;
  log?: MetadataLog | undefined;
}

/**
 * A SAML 2.0 Service Provider for one IdP (docs/connectors/saml.md):
 * SP-initiated sign-in by HTTP-Redirect AuthnRequest (optionally signed),
 * responses by HTTP-POST, verified by fedgate itself (verifySamlResponse),
 * every assertion single-use through the store, and IdP-initiated sign-in
 * only when the connector allows it.
 */
export class SamlSpConnector implements SamlConnectorCapability {
  readonly type = 'saml';
  readonly id: string;
  readonly displayName: string;
  readonly logoUrl: string | undefined;
  readonly idpInitiatedLanding: string;
  /** fedgate's entityID at this IdP: the Audience assertions must name. */
  readonly spEntityId: string;
  private readonly metadata: IdpMetadataSource;
  private readonly replays: AssertionReplayCache;
  private readonly policy: VerificationPolicy;
  private readonly decryptionKeys: string[];
  private readonly now: () => Date;
  private readonly turns = new TurnTaking();

  constructor(
    private readonly config: SamlConnectorConfig,
    dependencies: SamlConnectorDependencies,
  ) {
    this.id = config.id;
    this.displayName = config.name ?? config.id;
    this.logoUrl = config.logo;
    this.idpInitiatedLanding = config.security.idpInitiatedLanding;
    const publicUrl = dependencies.publicUrl?.replace(/\/$/, '');
    const entityId =
      config.sp.entityId ?? (publicUrl === undefined ? undefined : `${publicUrl}/auth/${config.id}/metadata`);
    if (entityId === undefined) {
      throw new Error(`connector ${config.id}: sp.entityId is required when fedgate's public URL is unknown`);
    }
    this.spEntityId = entityId;
    this.now = dependencies.now ?? (() => new Date());
    this.replays = new AssertionReplayCache(dependencies.store, config.id);
    this.policy = {
      requireSignedResponse: config.security.requireSignedResponse,
      requireEncryptedAssertion: config.security.requireEncryptedAssertion,
      clockSkewMs: config.security.clockSkew * 1000,
      maxResponseBytes: config.security.maxResponseBytes,
      allowIdpInitiated: config.security.allowIdpInitiated,
    };
    this.decryptionKeys = [
      ...(config.sp.encryptionKey === undefined ? [] : [config.sp.encryptionKey]),
      ...config.sp.previousEncryptionKeys,
    ];
    this.metadata = new IdpMetadataSource(config.id, config.idp, dependencies.log, this.now);
  }

  /** Resolves once IdP metadata from a URL was first fetched (or failed to be). */
  ready(): Promise<void> {
    return this.metadata.ready();
  }

  /** Whether the IdP metadata in use is current, a stale last good copy, or missing (for health checks). */
  metadataStatus(): IdpMetadataStatus {
    return this.metadata.status();
  }

  /** Reads the IdP metadata again now, as the schedule does; a failure keeps the last good copy. */
  refreshMetadata(): Promise<void> {
    return this.metadata.refresh();
  }

  /** Missing metadata rejects the promise like any other failure (never a synchronous throw). */
  authnRequest(input: AuthnRequestInput, context: LoginContext): Promise<AuthnRequestOutput> {
    return Promise.resolve().then(() => this.buildAuthnRequest(input, context));
  }

  private buildAuthnRequest(input: AuthnRequestInput, _context: LoginContext): AuthnRequestOutput {
    const idp = this.metadata.current();
    const requestId = newRequestId();
    const format = this.config.sp.nameIdFormat;
    const xml = authnRequestXml(requestId, {
      spEntityId: this.spEntityId,
      acsUrl: input.acsUrl,
      ssoUrl: idp.ssoUrl,
      nameIdFormat: format === undefined ? undefined : NAME_ID_FORMATS[format],
      issueInstant: this.now(),
    });
    const key = this.config.sp.signAuthnRequests ? this.config.sp.signingKey : undefined;
    return {
      redirect: { kind: 'url', url: redirectBindingUrl(idp.ssoUrl, xml, input.relayState, key) },
      requestId,
    };
  }

  async handlePost(post: SamlPost, _context: LoginContext): Promise<SignedIn> {
    const idp = this.metadata.current();
    const now = this.now();
    const assertion = await this.turns.run(() =>
      verifySamlResponse(
        post,
        idp,
        { entityId: this.spEntityId, decryptionKeys: this.decryptionKeys },
        this.policy,
        now.getTime(),
      ),
    );
    const identity = identityFromAssertion(this.id, assertion, this.config, now);
    // Last: a response refused for any other reason does not use up its assertion.
    await this.replays.accept(assertion.issuer, assertion.id, assertion.acceptableUntil, now.getTime());
    return { identity };
  }

  /** This connector's SP metadata for the IdP's administrator (`GET /auth/{id}/metadata`). */
  spMetadata(acsUrl: string): string {
    const format = this.config.sp.nameIdFormat;
    return spMetadataXml({
      entityId: this.spEntityId,
      acsUrl,
      nameIdFormats:
        format === undefined
          ? [NAME_ID_FORMATS.persistent, NAME_ID_FORMATS.emailAddress, NAME_ID_FORMATS.unspecified]
          : [NAME_ID_FORMATS[format]],
      signingCertificate: this.config.sp.signingCertificate,
      encryptionCertificate: this.config.sp.encryptionCertificate,
      authnRequestsSigned: this.config.sp.signAuthnRequests,
    });
  }

  close(): Promise<void> {
    this.metadata.close();
    return Promise.resolve();
  }
}

/**
 * Runs CPU-bound verifications one at a time, each in its own turn of the
 * event loop, so the store's replies (the replay cache's SET NX) are read
 * between them: a burst of posts cannot starve the sign-in that won the
 * replay cache until its store call times out.
 */
class TurnTaking {
  private tail: Promise<void> = Promise.resolve();

  run<T>(work: () => T): Promise<T> {
    const result = this.tail.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(work);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
