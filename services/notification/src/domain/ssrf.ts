import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { ValidationProblem } from '@syllabus/service-kit';

// Addresses a webhook must never reach: this machine, private networks, link-local (cloud
// metadata services live at 169.254.169.254), and the reserved ranges.
const forbidden = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  forbidden.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  forbidden.addSubnet(network, prefix, 'ipv6');
}

export function isForbiddenAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return forbidden.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return forbidden.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Refuses a webhook URL that is not https, or whose host resolves to a forbidden address. */
export async function assertSafeWebhookUrl(raw: string, allowPrivateNetworks: boolean): Promise<URL> {
  const refuse = (message: string): never => {
    throw new ValidationProblem([{ in: 'body', field: 'url', message }]);
  };
  const url = URL.canParse(raw) ? new URL(raw) : refuse('not a URL');
  if (url.username || url.password) refuse('credentials in the URL are not allowed');
  if (url.protocol !== 'https:' && !(allowPrivateNetworks && url.protocol === 'http:'))
    refuse('must be https');
  if (allowPrivateNetworks) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host)
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
