import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { DomainError } from '@syllabus/contracts';

/**
 * Whether a webhook may connect to this address: only global unicast. Everything else —
 * loopback, private and carrier-grade NAT ranges, link-local (cloud metadata at 169.254.169.254),
 * reserved, multicast — and the IPv6 forms that carry or reach an IPv4 address (mapped,
 * IPv4-compatible ::/96, NAT64 64:ff9b::/96, 6to4 2002::/16, Teredo) or are deprecated (site-local
 * fec0::/10) is refused. ipaddr.js names the ranges; a mapped address is judged as the IPv4 one.
 */
export function isForbiddenAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return true;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const ipv6 = parsed as ipaddr.IPv6;
    if (ipv6.isIPv4MappedAddress()) parsed = ipv6.toIPv4Address();
    // IPv4-compatible (::a.b.c.d): deprecated, and some stacks route it to the IPv4 address.
    else if (ipv6.parts.slice(0, 6).every((part) => part === 0)) return true;
  }
  return parsed.range() !== 'unicast';
}

/** Refuses a webhook URL that is not https, or whose host resolves to a forbidden address. */
export async function assertSafeWebhookUrl(raw: string, allowPrivateNetworks: boolean): Promise<URL> {
  const refuse = (message: string): never => {
    throw new DomainError('webhook-url-refused', `url: ${message}`, {
      errors: [{ in: 'body', field: 'url', message }],
    });
  };
  const url = URL.canParse(raw) ? new URL(raw) : refuse('not a URL');
  if (url.username || url.password) refuse('credentials in the URL are not allowed');
  if (url.protocol !== 'https:' && !(allowPrivateNetworks && url.protocol === 'http:'))
    refuse('must be https');
  if (allowPrivateNetworks) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = ipaddr.isValid(host)
    ? [host]
    : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
  if (addresses.length === 0) refuse('the host does not resolve');
  if (addresses.some(isForbiddenAddress)) refuse('the host is a private, loopback or link-local address');
  return url;
}

/**
 * A DNS lookup for the webhook client that refuses forbidden addresses at connection time,
 * so a name that resolved to a public address at registration cannot be re-pointed inward.
 */
export function guardedLookup(allowPrivateNetworks: boolean) {
  return (
    hostname: string,
    options: object,
    callback: (
      error: Error | null,
      address: string | { address: string; family: number }[],
      family?: number,
    ) => void,
  ) => {
    lookup(hostname, { all: true }).then(
      (addresses) => {
        const bad = addresses.find((a) => isForbiddenAddress(a.address));
        if (bad && !allowPrivateNetworks) {
          callback(new Error(`refusing to connect to ${bad.address}`), []);
          return;
        }
        if ((options as { all?: boolean }).all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: Error) => callback(error, []),
    );
  };
}
