import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../apps/sts-local/src/auth/node-sha256';

/** Credentials to sign with. */
export interface TestCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** A raw response, for header and XML shape assertions. */
export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * Sends a form-encoded STS request signed like the SDKs do, optionally with
 * a different signing time or a body changed after signing, so the tests can
 * drive what no SDK sends on purpose.
 */
export async function rawStsRequest(
  url: string,
  form: Record<string, string>,
  options: {
    credentials?: TestCredentials;
    signingDate?: Date;
    region?: string;
    tamperBody?: (body: string) => string;
    editHeaders?: (headers: Record<string, string>) => void;
    /** The Content-Type to send; the SDKs' `…; charset=utf-8` when absent. */
    contentType?: string;
    /** Sends the parameters in the query string (a GET), as AWS also accepts. */
    inQuery?: boolean;
  } = {},
): Promise<RawResponse> {
  const target = new URL(url);
  const encoded = new URLSearchParams(form).toString();
  const body = options.inQuery ? '' : encoded;
  const method = options.inQuery ? 'GET' : 'POST';
  let headers: Record<string, string> = { host: target.host };
  if (!options.inQuery) {
    headers['content-type'] = options.contentType ?? 'application/x-www-form-urlencoded; charset=utf-8';
  }
  if (options.credentials) {
    const signer = new SignatureV4({
      credentials: options.credentials,
      region: options.region ?? 'us-east-1',
      service: 'sts',
      sha256: NodeSha256,
    });
    const signed = await signer.sign(
      new HttpRequest({
        method,
        protocol: 'http:',
        hostname: target.hostname,
        port: Number(target.port),
        path: '/',
        query: options.inQuery ? form : {},
        headers,
        body,
      }),
      { signingDate: options.signingDate ?? new Date() },
    );
    headers = { ...signed.headers };
  }
  options.editHeaders?.(headers);
  delete headers.host;
  const response = await fetch(`${url}/${options.inQuery ? `?${encoded}` : ''}`, {
    method,
    headers,
    ...(options.inQuery ? {} : { body: options.tamperBody ? options.tamperBody(body) : body }),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** The text of one XML element, or undefined. Enough for the flat documents STS returns. */
export function xmlText(xml: string, element: string): string | undefined {
  return new RegExp(`<${element}>([^<]*)</${element}>`).exec(xml)?.[1];
}
