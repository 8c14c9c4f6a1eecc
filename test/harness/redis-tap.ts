import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** One command a client sent: its name in upper case and its arguments as text. */
export interface TappedCommand {
  name: string;
  args: string[];
}

/**
 * A loopback TCP port in front of a redis-server that forwards both ways and records what the
 * clients send, one entry per flight: the commands that arrived in one read of a client's
 * socket, i.e. what the client wrote at once (on loopback one write arrives in one read; a
 * command the client sent only after a reply can never share a read with the command before
 * it, since the proxy forwarded that one first). It can also cut the connections at the first
 * flight a predicate picks, without forwarding it, as if Redis went away at that moment.
 */
export class RedisTap {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private recorded: TappedCommand[][] = [];
  private cutWhen: ((flight: readonly TappedCommand[]) => boolean) | undefined;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Listens on a free loopback port in front of host:port. */
  static async start(host: string, port: number): Promise<RedisTap> {
    const tap = new RedisTap(host, port);
    const server = createServer((client) => {
      tap.accept(client);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    tap.server = server;
    return tap;
  }

  get url(): string {
    const address = this.server?.address();
    if (address === null || address === undefined || typeof address === 'string') {
      throw new Error('the Redis tap is not listening');
    }
    return `redis://127.0.0.1:${address.port}`;
  }

  /** The flights recorded since the last reset, oldest first. */
  flights(): TappedCommand[][] {
    return this.recorded.map((flight) => [...flight]);
  }

  reset(): void {
    this.recorded = [];
  }

  /** Cuts every connection, unforwarded, at the next flight `when` picks (once), then forwards again. */
  cutAt(when: (flight: readonly TappedCommand[]) => boolean): void {
    this.cutWhen = when;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) {
      await new Promise((resolve) => server.close(resolve));
    }
  }

  private accept(client: Socket): void {
    const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
    this.sockets.add(client).add(upstream);
    const parser = new RespCommandParser();
    client.on('data', (chunk: Buffer) => {
      const flight = parser.push(chunk);
      if (flight.length > 0) {
        const cut = this.cutWhen;
        if (cut !== undefined && cut(flight)) {
          this.cutWhen = undefined;
          this.recorded.push(flight);
          for (const socket of this.sockets) {
            socket.destroy();
          }
          this.sockets.clear();
          return;
        }
        this.recorded.push(flight);
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  }
}

/** Reads RESP arrays of bulk strings (how clients send commands), across reads. */
class RespCommandParser {
  private pending = Buffer.alloc(0);

  /** The commands completed by this chunk. */
  push(chunk: Buffer): TappedCommand[] {
    this.pending = Buffer.concat([this.pending, chunk]);
    const commands: TappedCommand[] = [];
    for (;;) {
      const parsed = this.next();
      if (parsed === undefined) {
        return commands;
      }
      commands.push(parsed);
    }
  }

  private next(): TappedCommand | undefined {
    let offset = 0;
    const line = (): string | undefined => {
      const end = this.pending.indexOf('\r\n', offset);
      if (end === -1) {
        return undefined;
      }
      const text = this.pending.toString('latin1', offset, end);
      offset = end + 2;
      return text;
    };
    const header = line();
    if (header === undefined) {
      return undefined;
    }
    if (!header.startsWith('*')) {
      throw new Error(`the Redis tap reads only RESP arrays, got ${JSON.stringify(header.slice(0, 20))}`);
    }
    const parts: string[] = [];
    for (let index = 0; index < Number(header.slice(1)); index += 1) {
      const size = line();
      if (size === undefined) {
        return undefined;
      }
      const length = Number(size.slice(1));
      if (this.pending.length < offset + length + 2) {
        return undefined;
      }
      parts.push(this.pending.toString('utf8', offset, offset + length));
      offset += length + 2;
    }
    this.pending = this.pending.subarray(offset);
    const [name = '', ...args] = parts;
    return { name: name.toUpperCase(), args };
  }
}
