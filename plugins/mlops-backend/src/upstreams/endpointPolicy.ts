import ipaddr from 'ipaddr.js';
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, Dispatcher } from 'undici';

/**
 * Which URLs the backend may fetch when a catalog entity (not config) names
 * them — inference endpoints, for instance. Only hosts and ports that config
 * allows are fetched; everything else is refused with a reason, before any
 * connection is made.
 *
 * Rules (config strings), each `<host>[:<port>|:*]`:
 * - `model.ml.internal:8080` — that name, that port (no port: any port)
 * - `*.svc.cluster.local` — any subdomain (not the suffix itself)
 * - `10.20.0.0/16:8000`, `127.0.0.5:*`, `[fd00::1]:8080` — IP literals and CIDRs;
 *   IP targets only match IP rules, names only match name rules.
 *
 * At connect time, the addresses a name resolves to are checked again:
 * loopback, link-local (cloud metadata), unspecified and multicast addresses
 * are refused unless an IP rule allows them explicitly.
 */
export type EndpointCheck =
  | { ok: true; url: URL }
  | { ok: false; reason: string };

interface Rule {
  text: string;
  kind: 'name' | 'suffix' | 'cidr';
  name?: string;
  cidr?: [ipaddr.IPv4 | ipaddr.IPv6, number];
  port: number | '*';
}

type Resolver = (hostname: string) => Promise<string[]>;

const ALWAYS_SENSITIVE = [
  'loopback',
  'linkLocal',
  'unspecified',
  'multicast',
  'broadcast',
  'reserved',
];

function parseIp(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = text.replace(/^\[|\]$/g, '');
  if (!ipaddr.isValid(bare)) return undefined;
  const addr = ipaddr.parse(bare);
  // ::ffff:a.b.c.d is the IPv4 address a.b.c.d.
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (addr as ipaddr.IPv6).toIPv4Address();
  }
  return addr;
}

function strictIpv4(text: string): boolean {
  return (
    /^\d{1,3}(\.\d{1,3}){3}$/.test(text) &&
    ipaddr.IPv4.isValidFourPartDecimal(text)
  );
}

function parseRule(text: string): Rule {
  const trimmed = text.trim().toLowerCase();
  let hostPart = trimmed;
  let port: number | '*' = '*';
  const bracket = /^(\[[^\]]+\])(?::(\d+|\*))?$/.exec(trimmed);
  const plain = /^([^:[\]]+(?:\/\d{1,3})?)(?::(\d+|\*))?$/.exec(trimmed);
  const m = bracket ?? plain;
  if (!m)
    throw new Error(
      `invalid endpoint rule "${text}": use host[:port], *.domain[:port], IP or CIDR[:port]`,
    );
  hostPart = m[1];
  if (m[2] && m[2] !== '*') {
    port = Number(m[2]);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error(`invalid port in endpoint rule "${text}"`);
  }
  const bare = hostPart.replace(/^\[|\]$/g, '');
  if (bare.includes('/')) {
    try {
      const [addr, bits] = ipaddr.parseCIDR(bare);
      return { text, kind: 'cidr', cidr: [addr, bits], port };
    } catch {
      throw new Error(`invalid CIDR in endpoint rule "${text}"`);
    }
  }
  if (ipaddr.isValid(bare)) {
    if (!bare.includes(':') && !strictIpv4(bare)) {
      throw new Error(
        `endpoint rule "${text}": write IPv4 addresses in dotted decimal`,
      );
    }
    const addr = parseIp(bare)!;
    return {
      text,
      kind: 'cidr',
      cidr: [addr, addr.kind() === 'ipv4' ? 32 : 128],
      port,
    };
  }
  if (bare.startsWith('*.')) {
    const suffix = bare.slice(2).replace(/\.$/, '');
    if (
      !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(
        suffix,
      )
    ) {
      throw new Error(
        `invalid wildcard in endpoint rule "${text}": use *.domain.tld`,
      );
    }
    return { text, kind: 'suffix', name: suffix, port };
  }
  const name = bare.replace(/\.$/, '');
  if (
    !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(
      name,
    )
  ) {
    throw new Error(`invalid host in endpoint rule "${text}"`);
  }
  return { text, kind: 'name', name, port };
}

function inCidr(
  addr: ipaddr.IPv4 | ipaddr.IPv6,
  cidr: [ipaddr.IPv4 | ipaddr.IPv6, number],
): boolean {
  return addr.kind() === cidr[0].kind() && addr.match(cidr);
}

function defaultPort(protocol: string): number {
  return protocol === 'https:' ? 443 : 80;
}

export class EndpointPolicy {
  private constructor(
    private readonly rules: Rule[],
    private readonly resolve: Resolver,
  ) {}

  /** Throws a clear Error for an invalid rule (called at startup). */
  static create(
    rules: string[],
    options: { resolve?: Resolver } = {},
  ): EndpointPolicy {
    return new EndpointPolicy(
      rules.map(parseRule),
      options.resolve ??
        (async hostname =>
          (
            await dns.promises.lookup(hostname, { all: true, verbatim: true })
          ).map(a => a.address)),
    );
  }

  /** Decides whether a URL may be fetched, without any network access. */
  check(raw: string): EndpointCheck {
    if (typeof raw !== 'string' || raw.trim() === '')
      return { ok: false, reason: 'endpoint is empty' };
    let url: URL;
    try {
      url = new URL(raw.trim());
    } catch {
      return { ok: false, reason: `"${truncate(raw)}" is not a valid URL` };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return {
        ok: false,
        reason: `scheme ${url.protocol} is not allowed (only http and https)`,
      };
    }
    if (url.username || url.password) {
      return {
        ok: false,
        reason: 'URLs with credentials (user:password@) are not allowed',
      };
    }
    const hostname = url.hostname.replace(/\.$/, '').toLowerCase();
    const port = url.port ? Number(url.port) : defaultPort(url.protocol);
    const portOk = (rule: Rule) => rule.port === '*' || rule.port === port;
    const ip = parseIp(hostname);
    const rules = this.rules.filter(rule => {
      if (ip) return rule.kind === 'cidr' && inCidr(ip, rule.cidr!);
      if (rule.kind === 'name') return rule.name === hostname;
      if (rule.kind === 'suffix') return hostname.endsWith(`.${rule.name}`);
      return false;
    });
    const display = ip ? ip.toString() : hostname;
    if (rules.length === 0) {
      return {
        ok: false,
        reason: `host ${display} is not allowed by mlops endpoint rules${
          this.rules.length ? '' : ' (none are configured)'
        }`,
      };
    }
    if (!rules.some(portOk)) {
      return {
        ok: false,
        reason: `port ${port} of ${display} is not allowed by mlops endpoint rules`,
      };
    }
    return { ok: true, url };
  }

  /**
   * Checks the addresses a host name resolves to (or an IP literal) at
   * connect time: sensitive ranges need an explicit IP rule.
   */
  async checkAddresses(
    hostname: string,
  ): Promise<
    { ok: true; addresses: string[] } | { ok: false; reason: string }
  > {
    const literal = parseIp(hostname);
    let addresses: string[];
    try {
      addresses = literal ? [literal.toString()] : await this.resolve(hostname);
    } catch (e) {
      return {
        ok: false,
        reason: `host ${hostname} does not resolve (${(e as Error).message})`,
      };
    }
    if (addresses.length === 0)
      return { ok: false, reason: `host ${hostname} does not resolve` };
    for (const a of addresses) {
      const addr = parseIp(a);
      if (!addr)
        return {
          ok: false,
          reason: `host ${hostname} resolved to an invalid address ${a}`,
        };
      const explicitlyAllowed = this.rules.some(
        r => r.kind === 'cidr' && inCidr(addr, r.cidr!),
      );
      if (!explicitlyAllowed && ALWAYS_SENSITIVE.includes(addr.range())) {
        return {
          ok: false,
          reason: `host ${hostname} resolves to ${addr.toString()} (${addr.range()}), which needs an explicit IP rule`,
        };
      }
    }
    return { ok: true, addresses };
  }

  /**
   * An undici dispatcher whose connections go only to addresses that pass
   * {@link checkAddresses}: the check happens in the connector's DNS lookup,
   * so a name cannot be swapped for another address between check and use.
   */
  dispatcher(options: { timeoutMs: number }): Dispatcher {
    const lookup: LookupFunction = (hostname, opts, callback) => {
      this.checkAddresses(hostname).then(
        result => {
          if (!result.ok) {
            callback(
              Object.assign(new Error(result.reason), { code: 'EMLOPSDENIED' }),
              '',
              0,
            );
            return;
          }
          const family = (a: string) => (a.includes(':') ? 6 : 4);
          if (opts.all) {
            callback(
              null,
              result.addresses.map(address => ({
                address,
                family: family(address),
              })),
            );
          } else {
            callback(null, result.addresses[0], family(result.addresses[0]));
          }
        },
        (e: Error) => callback(e, '', 0),
      );
    };
    return new Agent({
      connect: { timeout: options.timeoutMs, lookup },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
