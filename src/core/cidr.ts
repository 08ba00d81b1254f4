/**
 * IP addresses and CIDR blocks as EventBridge's matcher (aws/event-ruler)
 * reads them, for the `cidr` operator and for exact values that are
 * addresses. Parsing is ipaddr.js's; this module only adds event-ruler's
 * rules on top. Pure: no database, no ctx.
 *
 * - Only text shaped like an address is parsed: four dot-separated decimal
 *   runs (IPv4), or hex digits and colons with at least one colon (IPv6).
 *   So "::ffff:1.2.3.4", zone ids and brackets are never addresses.
 * - IPv4 parts are decimal even with leading zeros ("010" is 10).
 * - An IPv4-mapped IPv6 address ("::ffff:a00:1") is that IPv4 address.
 */
import ipaddr from "ipaddr.js";

/** An address as its bytes: 4 for IPv4, 16 for IPv6. */
export type IpBytes = number[];

/** The addresses a CIDR block covers, as inclusive byte bounds. */
export type CidrRange = { low: IpBytes; high: IpBytes };

const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

/** The bytes of `text` as an IP address, or null when it is not one. */
export function parseIpAddress(text: string): IpBytes | null {
  if (IPV4_SHAPE.test(text)) {
    // ipaddr.js reads a leading zero as octal; event-ruler reads decimal.
    const decimal = text
      .split(".")
      .map((part) => part.replace(/^0+(?=\d)/, ""))
      .join(".");
    return ipaddr.IPv4.isValidFourPartDecimal(decimal)
      ? ipaddr.IPv4.parse(decimal).toByteArray()
      : null;
  }
  if (IPV6_SHAPE.test(text) && ipaddr.IPv6.isValid(text)) {
    const address = ipaddr.IPv6.parse(text);
    return address.isIPv4MappedAddress()
      ? address.toIPv4Address().toByteArray()
      : address.toByteArray();
  }
  return null;
}

/**
 * The range of a CIDR block such as "10.0.0.0/24" or "2001:db8::/64", or a
 * sentence saying why `text` is not one. As in EventBridge: exactly one "/"
 * (trailing empty parts ignored, as Java's split does), a decimal mask
 * (an optional sign allowed), at most 31 bits for IPv4 and 127 for IPv6;
 * the address may have host bits set ("1.2.3.4/8" is 1.0.0.0/8).
 */
export function parseCidr(text: string): CidrRange | string {
  const parts = text.split("/");
  while (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
  if (parts.length !== 2) return "needs exactly one '/', like 10.0.0.0/24";
  if (!/^[+-]?[0-9]+$/.test(parts[1]!)) return "needs whole mask bits after the '/'";
  const bits = Number(parts[1]);
  const bytes = parseIpAddress(parts[0]!);
  if (bytes === null) return `"${parts[0]}" is not an IPv4 or IPv6 address`;
  const maxBits = bytes.length === 4 ? 31 : 127;
  if (bits < 0 || bits > maxBits) {
    return `${bytes.length === 4 ? "an IPv4" : "an IPv6"} mask has 0 to ${maxBits} bits`;
  }
  const low: IpBytes = [];
  const high: IpBytes = [];
  bytes.forEach((byte, i) => {
    const fixed = Math.min(8, Math.max(0, bits - i * 8));
    const hostMask = 0xff >> fixed;
    low.push(byte & ~hostMask & 0xff);
    high.push(byte | hostMask);
  });
  return { low, high };
}

/** Whether `address` lies in `range` (an IPv4 address is never in an IPv6 block). */
export function inCidrRange(address: IpBytes, range: CidrRange): boolean {
  if (address.length !== range.low.length) return false;
  return compareBytes(address, range.low) >= 0 && compareBytes(address, range.high) <= 0;
}

/** Whether two addresses are the same address. */
export function sameIpAddress(a: IpBytes, b: IpBytes): boolean {
  return a.length === b.length && compareBytes(a, b) === 0;
}

function compareBytes(a: IpBytes, b: IpBytes): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return 0;
}
