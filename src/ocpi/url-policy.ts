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
    const mapped = family === 'ipv6' ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address) : null;
    if (mapped) return this.checkAddress(mapped[1]);
    if (this.denied.check(address, family)) throw new UrlPolicyError(`address ${address} is in a denied range`);
  }

  /** A dns.lookup replacement for http(s).Agent: refuses a connection to a denied address. */
  readonly lookup = (hostname: string, options: dns.LookupOptions, callback: (...args: any[]) => void): void => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err);
      const list = addresses as dns.LookupAddress[];
      try {
        for (const a of list) this.checkAddress(a.address);
      } catch (e) {
        return callback(e);
      }
      if (options.all) return callback(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}
