import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from './node-sha256';
import type { CredentialStore, KnownCredentials } from '../sts/credential-store';
import { StsError } from '../sts/sts-error';

/** AWS accepts requests signed up to 15 minutes before or after its own clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** What the verifier needs from an HTTP request: the bytes as received. */
export interface SignedRequest {
  method: string;
  /** Path and query exactly as on the request line. */
  url: string;
  /** Node's rawHeaders: name, value, name, value… (duplicates kept). */
  rawHeaders: readonly string[];
  body: Buffer;
}

/** A request whose signature checked out: whose credentials, and the region it was signed for. */
export interface VerifiedRequest {
  credentials: KnownCredentials;
  region: string;
}

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret ' +
  'Access Key and signing method. Consult the service documentation for details.';
const INVALID_TOKEN = 'The security token included in the request is invalid.';

interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

function headerValues(rawHeaders: readonly string[]): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] ?? '').toLowerCase();
    values.set(name, [...(values.get(name) ?? []), rawHeaders[index + 1] ?? '']);
  }
  return values;
}

function parseAuthorization(header: string): ParsedAuthorization {
  const space = header.indexOf(' ');
  const algorithm = space < 0 ? header : header.slice(0, space);
  if (algorithm !== 'AWS4-HMAC-SHA256') {
    throw new StsError('IncompleteSignature', `Unsupported AWS 'algorithm': '${algorithm}'`);
  }
  const fields = new Map<string, string>();
  for (const part of header.slice(space + 1).split(',')) {
    const equals = part.indexOf('=');
    if (equals > 0) {
      fields.set(part.slice(0, equals).trim(), part.slice(equals + 1).trim());
    }
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((name) => !fields.get(name));
  if (missing.length > 0) {
    throw new StsError(
      'IncompleteSignature',
      missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' ') +
        ` Authorization=${algorithm}`,
    );
  }
  const scope = (fields.get('Credential') ?? '').split('/');
  const [accessKeyId = '', date = '', region = '', service = '', terminator] = scope;
  if (scope.length !== 5 || terminator !== 'aws4_request' || accessKeyId === '') {
    throw new StsError(
      'IncompleteSignature',
      "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" +
        `${fields.get('Credential') ?? ''}'`,
    );
  }
  const signature = fields.get('Signature') ?? '';
  return {
    accessKeyId,
    date,
    region,
    service,
    signedHeaders: (fields.get('SignedHeaders') ?? '').split(';').filter((name) => name !== ''),
    signature,
  };
}

/** `20260101T120000Z` → epoch ms, or undefined when it is not in that form. */
function parseAmzDate(text: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!match) {
    return undefined;
  }
  const [, y, mo, d, h, mi, s] = match.map(Number);
  const time = Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0);
  return Number.isNaN(time) ? undefined : time;
}

function amzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function equalText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function queryRecord(search: string): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(search)) {
    const existing = record[name];
    record[name] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return record;
}

/**
 * Verifies an AWS Signature Version 4 `Authorization` header the way AWS
 * does, generically: the canonical request is rebuilt from exactly the
 * headers the client listed in SignedHeaders (host with its port), the raw
 * body's SHA-256 and the client's X-Amz-Date, then signed again with
 * `@smithy/signature-v4` and compared in constant time. Checks, in AWS's
 * order: a usable header (IncompleteSignature / MissingAuthenticationToken),
 * a known key and matching session token (InvalidClientTokenId), the
 * signature (SignatureDoesNotMatch), expiry (ExpiredToken), then a 15-minute
 * clock skew (SignatureDoesNotMatch).
 */
export class SigV4Verifier {
  constructor(
    private readonly store: CredentialStore,
    private readonly now: () => number = Date.now,
  ) {}

  async verify(request: SignedRequest): Promise<VerifiedRequest> {
    const headers = headerValues(request.rawHeaders);
    const authorization = headers.get('authorization')?.[0];
    if (authorization === undefined || authorization === '') {
      throw new StsError('MissingAuthenticationToken', 'Request is missing Authentication Token');
    }
    const parsed = parseAuthorization(authorization);
    const dateHeader = headers.get('x-amz-date')?.[0];
    if (dateHeader === undefined) {
      throw new StsError(
        'IncompleteSignature',
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
      );
    }
    for (const required of ['host', 'x-amz-date']) {
      if (!parsed.signedHeaders.includes(required)) {
        throw new StsError(
          'IncompleteSignature',
          `'${required}' must be a 'SignedHeader' in the AWS Authorization.`,
        );
      }
    }
    const signedAt = parseAmzDate(dateHeader);
    if (signedAt === undefined) {
      throw new StsError(
        'IncompleteSignature',
        `Date must be in ISO-8601 'basic format'. Got '${dateHeader}'.`,
      );
    }

    const known = this.store.lookup(parsed.accessKeyId);
    const token = headers.get('x-amz-security-token')?.[0];
    if (!known) {
      throw new StsError('InvalidClientTokenId', INVALID_TOKEN);
    }
    if (
      known.sessionToken === undefined
        ? token !== undefined
        : token === undefined || !equalText(token, known.sessionToken)
    ) {
      throw new StsError('InvalidClientTokenId', INVALID_TOKEN);
    }

    if (parsed.date !== dateHeader.slice(0, 8)) {
      throw new StsError(
        'SignatureDoesNotMatch',
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${parsed.date}' != '${dateHeader.slice(0, 8)}', from '${dateHeader}'.`,
      );
    }
    if (parsed.service !== 'sts') {
      throw new StsError('SignatureDoesNotMatch', "Credential should be scoped to correct service: 'sts'.");
    }
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(parsed.region)) {
      throw new StsError('SignatureDoesNotMatch', 'Credential should be scoped to a valid region.');
    }
    const bodyHash = createHash('sha256').update(request.body).digest('hex');
    const claimedHash = headers.get('x-amz-content-sha256')?.[0];
    if (claimedHash !== undefined && claimedHash !== bodyHash) {
      throw new StsError('SignatureDoesNotMatch', SIGNATURE_MISMATCH);
    }
    const expected = await this.expectedSignature(request, parsed, headers, known, dateHeader, signedAt);
    if (!equalText(expected, parsed.signature)) {
      throw new StsError('SignatureDoesNotMatch', SIGNATURE_MISMATCH);
    }

    const now = this.now();
    // AWS answers ExpiredToken for expired credentials whatever the request's clock says.
    if (known.caller.expiresAt !== undefined && known.caller.expiresAt <= now) {
      throw new StsError('ExpiredToken', 'The security token included in the request is expired');
    }
    if (signedAt < now - MAX_CLOCK_SKEW_MS) {
      throw new StsError(
        'SignatureDoesNotMatch',
        `Signature expired: ${dateHeader} is now earlier than ${amzDate(now - MAX_CLOCK_SKEW_MS)} (${amzDate(now)} - 15 min.)`,
      );
    }
    if (signedAt > now + MAX_CLOCK_SKEW_MS) {
      throw new StsError(
        'SignatureDoesNotMatch',
        `Signature not yet current: ${dateHeader} is still later than ${amzDate(now + MAX_CLOCK_SKEW_MS)} (${amzDate(now)} + 15 min.)`,
      );
    }
    return { credentials: known, region: parsed.region };
  }

  private async expectedSignature(
    request: SignedRequest,
    parsed: ParsedAuthorization,
    headers: Map<string, string[]>,
    known: KnownCredentials,
    dateHeader: string,
    signedAt: number,
  ): Promise<string> {
    const signedHeaders: Record<string, string> = {};
    for (const name of parsed.signedHeaders) {
      const values = headers.get(name);
      if (values === undefined) {
        throw new StsError('SignatureDoesNotMatch', SIGNATURE_MISMATCH);
      }
      // SigV4 joins repeated headers with commas.
      signedHeaders[name] = values.join(',');
    }
    const question = request.url.indexOf('?');
    const rawPath = question < 0 ? request.url : request.url.slice(0, question);
    let path = rawPath;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      // A path that is not valid percent-encoding is signed as sent.
    }
    const rebuilt = new HttpRequest({
      method: request.method,
      protocol: 'http:',
      hostname: signedHeaders.host ?? '',
      path,
      query: queryRecord(question < 0 ? '' : request.url.slice(question + 1)),
      headers: signedHeaders,
      body: request.body,
    });
    const signer = new SignatureV4({
      credentials: { accessKeyId: known.accessKeyId, secretAccessKey: known.secretAccessKey },
      region: parsed.region,
      service: parsed.service,
      sha256: NodeSha256,
      // The verifier must hash the body itself, never trust a header for it (checked above).
      applyChecksum: false,
    });
    const signed = await signer.sign(rebuilt, {
      signingDate: new Date(signedAt),
      signableHeaders: new Set(parsed.signedHeaders),
    });
    const resigned = signed.headers.authorization ?? '';
    const list = /SignedHeaders=([^,]+)/.exec(resigned)?.[1];
    if (list !== parsed.signedHeaders.join(';') || signed.headers['x-amz-date'] !== dateHeader) {
      // The client listed headers out of order or left out one the signer always includes.
      throw new StsError('SignatureDoesNotMatch', SIGNATURE_MISMATCH);
    }
    return /Signature=([0-9a-f]+)/.exec(resigned)?.[1] ?? '';
  }
}
