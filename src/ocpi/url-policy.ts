/**
 * The one gate every peer-supplied URL passes before we call it: versions URLs, endpoint URLs,
 * response_urls. Checked twice: on the URL text (scheme, embedded credentials, literal IPs) and
 * again at connect time on every address DNS returns, so a name that resolves to a metadata
 * address is refused too.
 */
import dns from 'node:dns';
import net from 'node:net';

export class UrlPolicyError extends Error {}

export interface UrlPolicyOptions {
  allowPrivate: boolean;
  extraDeniedCidrs: string[];
}

// Link-local covers the cloud metadata endpoints (169.254.169.254, fd00:ec2::254 aside).
const ALWAYS_DENIED = ['169.254.0.0/16', 'fe80::/10', '0.0.0.0/8', 'fd00:ec2::254/128', '100.100.100.200/32', '224.0.0.0/4', 'ff00::/8'];
const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '::1/128', 'fc00::/7', '100.64.0.0/10', '::/128'];
const DENIED_NAMES = new Set(['metadata.google.internal', 'metadata', 'instance-data']);

export class UrlPolicy {
  private readonly denied: net.BlockList;

  constructor(private readonly options: UrlPolicyOptions) {
    this.denied = new net.BlockList();
    const rules = [...ALWAYS_DENIED, ...(options.allowPrivate ? [] : PRIVATE), ...options.extraDeniedCidrs];
    for (const cidr of rules) {
      const [address, prefix] = cidr.split('/');
      this.denied.addSubnet(address, Number(prefix), net.isIPv6(address) ? 'ipv6' : 'ipv4');
    }
  }

  /** Throws UrlPolicyError with a reason that names the rule; never includes URL credentials. */
  check(rawUrl: string): URL {
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      throw new UrlPolicyError('URL is not an absolute URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UrlPolicyError(`URL scheme ${url.protocol} is not allowed (http or https only)`);
    if (url.username || url.password) throw new UrlPolicyError('URL must not carry credentials');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (DENIED_NAMES.has(host.toLowerCase())) throw new UrlPolicyError(`URL host ${host} is not allowed`);
    if (net.isIP(host)) this.checkAddress(host);
    else if (!this.options.allowPrivate && (host === 'localhost' || host.endsWith('.localhost'))) throw new UrlPolicyError(`URL host ${host} is a loopback name, not allowed`);
    return url;
  }

  checkAddress(address: string): void {
    const family = net.isIPv6(address) ? 'ipv6' : 'ipv4';
    // An IPv6 form that carries an IPv4 address reaches that address: judged like the plain one.
    const embedded = family === 'ipv6' ? embeddedIpv4(address) : null;
    if (embedded && this.denied.check(embedded, 'ipv4')) throw new UrlPolicyError(`address ${address} embeds ${embedded}, which is in a denied range`);
    if (this.denied.check(address, family)) throw new UrlPolicyError(`address ${address} is in a denied range`);
  }

  /** A dns.lookup replacement for http(s).Agent: refuses a connection to a denied address. */
  readonly lookup = (
    hostname: string,
    options: dns.LookupOptions,
    callback: (err: NodeJS.ErrnoException | null, address?: string | dns.LookupAddress[], family?: number) => void,
  ): void => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err);
      const list = addresses as dns.LookupAddress[];
      try {
        for (const a of list) this.checkAddress(a.address);
      } catch (e) {
        return callback(e as NodeJS.ErrnoException);
      }
      if (options.all) return callback(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}

/**
 * The IPv4 address an IPv6 address stands for, in the forms a gateway or the host itself
 * translates: IPv4-mapped (::ffff:0:0/96), SIIT-translated (::ffff:0:0:0/96), IPv4-compatible
 * (::/96, other than :: and ::1), NAT64 (64:ff9b::/96, and 64:ff9b:1::/48 in the RFC 6052 /48
 * layout), 6to4 (2002::/16) and Teredo (2001::/32, the client address, bits inverted).
 */
export function embeddedIpv4(address: string): string | null {
  const g = ipv6Groups(address);
  if (!g) return null;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && g[5] === 0xffff) return v4(g[6], g[7]);
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return v4(g[6], g[7]);
  if (zeros(0, 6) && !(g[6] === 0 && g[7] <= 1)) return v4(g[6], g[7]);
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return v4(g[6], g[7]);
  // /48 prefix: the IPv4 bytes sit in bits 48-63 and 72-87, around the reserved octet 64-71.
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return v4(g[3], ((g[4] & 0xff) << 8) | (g[5] >> 8));
  if (g[0] === 0x2002) return v4(g[1], g[2]);
  if (g[0] === 0x2001 && g[1] === 0) return v4(g[6] ^ 0xffff, g[7] ^ 0xffff);
  return null;
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted quad and a zone id allowed). */
function ipv6Groups(address: string): number[] | null {
  let text = address.split('%')[0].toLowerCase();
  const quad = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const b = quad.slice(2).map(Number);
    if (b.some((x) => x > 255)) return null;
    text = `${quad[1]}${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const part = (s: string) => (s === '' ? [] : s.split(':'));
  const head = part(halves[0]);
  const tail = halves.length === 2 ? part(halves[1]) : [];
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 2 && fill < 1) || (halves.length === 1 && fill !== 0)) return null;
  const groups = [...head, ...Array(halves.length === 2 ? fill : 0).fill('0'), ...tail];
  if (groups.some((x) => !/^[0-9a-f]{1,4}$/.test(x))) return null;
  return groups.map((x) => parseInt(x, 16));
}

declare module '../context.js' {
  interface AppContext {
    urlPolicy: UrlPolicy;
  }
}
