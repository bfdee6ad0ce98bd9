/**
 * A tiny Redis client (RESP2 over one TCP socket) for tests: enough to AUTH,
 * PING, SCAN, GET and TTL. Tests use it to look at what the backends stored,
 * independently of the client library the backends use (@keyv/redis).
 */
import net from 'node:net';

export type RespValue = string | number | null | RespValue[];

export class RespError extends Error {}

/** Parses one RESP value from `buf` at `pos`; undefined when more bytes are needed. */
function parse(
  buf: Buffer,
  pos: number,
): { value: RespValue | RespError; next: number } | undefined {
  const lineEnd = buf.indexOf('\r\n', pos);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buf[pos]);
  const line = buf.toString('utf8', pos + 1, lineEnd);
  const after = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, next: after };
    case '-':
      return { value: new RespError(line), next: after };
    case ':':
      return { value: Number(line), next: after };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, next: after };
      if (buf.length < after + len + 2) return undefined;
      return {
        value: buf.toString('utf8', after, after + len),
        next: after + len + 2,
      };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, next: after };
      const items: RespValue[] = [];
      let next = after;
      for (let i = 0; i < count; i++) {
        const item = parse(buf, next);
        if (!item) return undefined;
        if (item.value instanceof RespError) return item;
        items.push(item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      throw new Error(`unexpected RESP type byte ${JSON.stringify(type)}`);
  }
}

function encode(args: string[]): string {
  return `*${args.length}\r\n${args
    .map(a => `$${Buffer.byteLength(a)}\r\n${a}\r\n`)
    .join('')}`;
}

/** One connection; commands are answered in order. */
export class RespClient {
  private buffer = Buffer.alloc(0);
  private readonly waiting: Array<{
    resolve: (v: RespValue) => void;
    reject: (e: Error) => void;
  }> = [];

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const parsed = parse(this.buffer, 0);
        if (!parsed) break;
        this.buffer = this.buffer.subarray(parsed.next);
        const w = this.waiting.shift();
        if (!w) continue;
        if (parsed.value instanceof RespError) w.reject(parsed.value);
        else w.resolve(parsed.value);
      }
    });
    const failAll = (e: Error) => {
      for (const w of this.waiting.splice(0)) w.reject(e);
    };
    socket.on('error', failAll);
    socket.on('close', () => failAll(new Error('redis connection closed')));
  }

  static connect(
    port: number,
    options: { host?: string; password?: string } = {},
  ): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, options.host ?? '127.0.0.1');
      socket.once('error', reject);
      socket.once('connect', async () => {
        socket.off('error', reject);
        const client = new RespClient(socket);
        try {
          if (options.password) await client.command('AUTH', options.password);
          resolve(client);
        } catch (e) {
          client.close();
          reject(e);
        }
      });
    });
  }

  command(...args: string[]): Promise<RespValue> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(encode(args));
    });
  }

  /** Every key matching `pattern` (SCAN, so the server is never blocked). */
  async keys(pattern = '*'): Promise<string[]> {
    const out: string[] = [];
    let cursor = '0';
    do {
      const reply = (await this.command(
        'SCAN',
        cursor,
        'MATCH',
        pattern,
        'COUNT',
        '500',
      )) as [string, string[]];
      cursor = reply[0];
      out.push(...reply[1]);
    } while (cursor !== '0');
    return [...new Set(out)].sort();
  }

  close(): void {
    this.socket.destroy();
  }
}
