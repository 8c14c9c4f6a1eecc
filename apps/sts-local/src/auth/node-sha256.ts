import { createHash, createHmac } from 'node:crypto';

/** What both node:crypto Hash and Hmac offer. */
interface Digester {
  update(data: string | Uint8Array): unknown;
  digest(): Buffer;
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') {
    return data;
  }
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

/** The hash the signer needs (SHA-256, or HMAC-SHA256 with a key), on node:crypto. */
export class NodeSha256 {
  private hash: Digester;

  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = NodeSha256.create(secret);
  }

  private static create(secret?: string | ArrayBuffer | ArrayBufferView): Digester {
    if (secret === undefined) {
      return createHash('sha256');
    }
    return createHmac('sha256', bytes(secret));
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }

  reset(): void {
    this.hash = NodeSha256.create(this.secret);
  }
}
