/**
 * The built-in `http.request` action's safety rules: which URLs it may call
 * (the host's allowlist, https only unless allowed, no private or local
 * addresses the host did not list) and what a request config must look
 * like once its templates are filled in. Pure.
 */

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** The policy the host sets with `new Rules(..., { http })`. */
export type HttpPolicy = { allowedHosts: string[]; allowHttp?: boolean };

export const HTTP_LIMITS = {
  /** Entries of `allowedHosts`. */
  allowedHosts: 100,
  urlLength: 2048,
  headers: 50,
  headerValueLength: 8192,
  defaultTimeoutMs: 10_000,
  maxTimeoutMs: 60_000,
  /** The response body kept as the action's result; longer bodies are cut, with `bodyTruncated`. */
  responseBodyBytes: 16 * 1024,
} as const;

/** A problem with a config or policy, `field` relative to it (`url`, `headers.X-Id`). */
export type HttpProblem = { field: string; message: string };

type HostEntry =
  | { kind: "any" }
  | { kind: "suffix"; suffix: string }
  | { kind: "exact"; host: string; port: string | null };

const HOST_ENTRY = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/**
 * Parses one `allowedHosts` entry: `"hooks.example.com"`,
 * `"hooks.example.com:8443"`, `"*.zapier.com"` (any subdomain, not the
 * domain itself), `"*"` (any public host name: never an IP address or
 * localhost), or an IP address (`"203.0.113.7"`, `"[2001:db8::1]"`, with an
 * optional port). Without a port an entry allows the scheme's default port
 * only.
 */
function parseHostEntry(entry: string): HostEntry | string {
  if (typeof entry !== "string" || entry.trim() === "") return "must be a non-empty string";
  if (entry.length > 260) return "is longer than 260 characters";
  if (entry === "*") return { kind: "any" };
  if (entry.startsWith("*.")) {
    const rest = entry.slice(2);
    if (rest.includes("*") || rest.includes(":")) {
      return `"${entry}": a wildcard entry is "*.domain", with no port`;
    }
    const host = normalizeHost(rest);
    if (!host || isIpLiteral(host) || !host.includes(".")) {
      return `"${entry}": a wildcard needs a domain name with a dot after "*."`;
    }
    return { kind: "suffix", suffix: `.${host}` };
  }
  const match = HOST_ENTRY.exec(entry);
  if (!match) {
    return `"${entry}" is not a host name, "host:port", "*.domain" or "*" (no scheme, path or wildcard elsewhere)`;
  }
  const host = normalizeHost(match[1]!);
  if (!host) return `"${entry}" is not a valid host name`;
  const port = match[2] === undefined ? null : String(Number(match[2]));
  if (port !== null && (Number(port) < 1 || Number(port) > 65535)) {
    return `"${entry}": port must be 1 to 65535`;
  }
  return { kind: "exact", host, port };
}

/** The host as the URL parser writes it (lower case, punycode, canonical IP), or null. */
function normalizeHost(host: string): string | null {
  try {
    const url = new URL(`https://${host}/`);
    if (url.port !== "" || url.username !== "" || url.password !== "") return null;
    return url.hostname;
  } catch {
    return null;
  }
}

/** The first problem of a policy, or null. */
export function httpPolicyProblem(policy: unknown): HttpProblem | null {
  if (typeof policy !== "object" || policy === null) {
    return { field: "", message: "must be an object { allowedHosts, allowHttp? }" };
  }
  const { allowedHosts, allowHttp } = policy as Partial<HttpPolicy>;
  if (!Array.isArray(allowedHosts)) {
    return { field: "allowedHosts", message: "must be an array of host names" };
  }
  if (allowedHosts.length > HTTP_LIMITS.allowedHosts) {
    return { field: "allowedHosts", message: `has more than ${HTTP_LIMITS.allowedHosts} entries` };
  }
  for (const [index, entry] of allowedHosts.entries()) {
    const parsed = parseHostEntry(entry);
    if (typeof parsed === "string") return { field: `allowedHosts[${index}]`, message: parsed };
  }
  if (allowHttp !== undefined && typeof allowHttp !== "boolean") {
    return { field: "allowHttp", message: "must be a boolean" };
  }
  return null;
}

/**
 * Checks a URL against a policy: `{ ok: true, url }` or why it may not be
 * called. Localhost and IP addresses are only ever allowed by an entry
 * naming exactly them; wildcards never match them. Host names are not
 * resolved (a deployment cannot look up DNS), so list only names you trust.
 */
export function checkRequestUrl(
  raw: unknown,
  policy: HttpPolicy,
): { ok: true; url: URL } | { ok: false; message: string } {
  if (typeof raw !== "string" || raw === "") return { ok: false, message: "must be a non-empty string" };
  if (raw.length > HTTP_LIMITS.urlLength) {
    return { ok: false, message: `is longer than ${HTTP_LIMITS.urlLength} characters` };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, message: `"${cut(raw)}" is not an absolute URL` };
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && policy.allowHttp === true)) {
    return {
      ok: false,
      message:
        url.protocol === "http:"
          ? `only https: URLs are allowed, not "${cut(raw)}" (set http.allowHttp in the Rules client to allow http:)`
          : `only https: URLs are allowed, not ${url.protocol} ("${cut(raw)}")`,
    };
  }
  if (url.username !== "" || url.password !== "") {
    return { ok: false, message: "credentials in the URL are not allowed: send them in a header" };
  }
  const host = url.hostname;
  const entries = policy.allowedHosts
    .map(parseHostEntry)
    .filter((e): e is HostEntry => typeof e !== "string");
  const local = isIpLiteral(host) || isLocalhost(host);
  const listed = entries.filter((entry) => {
    if (entry.kind === "exact") return entry.host === host;
    if (local) return false;
    return entry.kind === "any" || host.endsWith(entry.suffix);
  });
  if (listed.length === 0) {
    if (isLocalhost(host) || (isIpLiteral(host) && isPrivateAddress(host))) {
      return {
        ok: false,
        message: `"${host}" is a private or local address; it is only allowed when listed exactly in http.allowedHosts`,
      };
    }
    if (isIpLiteral(host)) {
      return { ok: false, message: `the IP address "${host}" is not in http.allowedHosts` };
    }
    return {
      ok: false,
      message: `host "${host}" is not in http.allowedHosts (${describeEntries(policy.allowedHosts)})`,
    };
  }
  const portAllowed = listed.some((entry) =>
    entry.kind === "exact" && entry.port !== null
      ? effectivePort(url) === entry.port
      : url.port === "",
  );
  if (!portAllowed) {
    return {
      ok: false,
      message: `port ${effectivePort(url)} of "${host}" is not allowed: list "${host}:${effectivePort(url)}" in http.allowedHosts`,
    };
  }
  return { ok: true, url };
}

/**
 * The first problem of a request config whose templates are filled in, or
 * null. `url` is checked separately, against the policy.
 */
export function httpRequestConfigProblem(config: unknown): HttpProblem | null {
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    return { field: "", message: "must be an object { method, url, headers?, body?, timeoutMs? }" };
  }
  const { method, url, headers, body, timeoutMs } = config as Record<string, unknown>;
  if (!HTTP_METHODS.includes(method as HttpMethod)) {
    return { field: "method", message: `must be one of ${HTTP_METHODS.join(", ")}` };
  }
  if (typeof url !== "string") return { field: "url", message: "must be a string" };
  if (headers !== undefined) {
    if (typeof headers !== "object" || headers === null || Array.isArray(headers)) {
      return { field: "headers", message: "must be an object of header names to strings" };
    }
    const entries = Object.entries(headers);
    if (entries.length > HTTP_LIMITS.headers) {
      return { field: "headers", message: `has more than ${HTTP_LIMITS.headers} headers` };
    }
    for (const [name, value] of entries) {
      if (!HEADER_NAME.test(name)) {
        return { field: `headers.${name}`, message: "is not a valid header name" };
      }
      if (typeof value !== "string") {
        return { field: `headers.${name}`, message: `must be a string, got ${typeof value}` };
      }
      if (/[\r\n\0]/.test(value)) {
        return { field: `headers.${name}`, message: "must not contain line breaks or NUL" };
      }
      if (value.length > HTTP_LIMITS.headerValueLength) {
        return {
          field: `headers.${name}`,
          message: `is longer than ${HTTP_LIMITS.headerValueLength} characters`,
        };
      }
    }
  }
  if (method === "GET" && body !== undefined) {
    return { field: "body", message: "a GET request has no body" };
  }
  if (timeoutMs !== undefined) {
    if (
      typeof timeoutMs !== "number" ||
      !Number.isInteger(timeoutMs) ||
      timeoutMs < 1 ||
      timeoutMs > HTTP_LIMITS.maxTimeoutMs
    ) {
      return {
        field: "timeoutMs",
        message: `must be an integer from 1 to ${HTTP_LIMITS.maxTimeoutMs}`,
      };
    }
  }
  return null;
}

function effectivePort(url: URL): string {
  return url.port !== "" ? url.port : url.protocol === "https:" ? "443" : "80";
}

function isIpLiteral(host: string): boolean {
  return host.startsWith("[") || IPV4.test(host);
}

function isLocalhost(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost");
}

/**
 * Whether an IP address (as the URL parser writes it: dotted IPv4, or IPv6
 * in brackets) is loopback, private, link-local, shared, reserved,
 * multicast or unspecified: anything but a public unicast address.
 */
export function isPrivateAddress(host: string): boolean {
  if (IPV4.test(host)) return isPrivateV4(host.split(".").map(Number) as Ipv4Octets);
  const groups = parseIpv6(host.replace(/^\[|\]$/g, ""));
  if (!groups) return true;
  const [g0, g1] = groups;
  if (groups.every((g) => g === 0)) return true; // ::
  if (groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1) return true; // ::1
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d): judge the IPv4 address.
  if (groups.slice(0, 5).every((g) => g === 0) && (groups[5] === 0xffff || groups[5] === 0)) {
    return isPrivateV4([groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff]);
  }
  // NAT64 (64:ff9b::/96) embeds an IPv4 address too.
  if (g0 === 0x64 && g1 === 0xff9b && groups.slice(2, 6).every((g) => g === 0)) {
    return isPrivateV4([groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff]);
  }
  if ((g0 & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local
  if ((g0 & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  if ((g0 & 0xffc0) === 0xfec0) return true; // fec0::/10 site-local (deprecated)
  if ((g0 & 0xff00) === 0xff00) return true; // ff00::/8 multicast
  if (g0 === 0x2001 && g1 === 0x0db8) return true; // 2001:db8::/32 documentation
  return false;
}

/** The four numbers of an IPv4 address. */
type Ipv4Octets = [number, number, number, number];

/** The eight 16-bit groups of an IPv6 address. */
type Ipv6Groups = [number, number, number, number, number, number, number, number];

function isPrivateV4([a, b, c]: Ipv4Octets): boolean {
  return (
    a === 0 || // 0.0.0.0/8
    a === 10 || // 10.0.0.0/8
    (a === 100 && b >= 64 && b <= 127) || // 100.64.0.0/10 shared (CGNAT)
    a === 127 || // loopback
    (a === 169 && b === 254) || // link-local (cloud metadata)
    (a === 172 && b >= 16 && b <= 31) || // 172.16.0.0/12
    (a === 192 && b === 0 && c === 0) || // 192.0.0.0/24 protocol assignments
    (a === 192 && b === 0 && c === 2) || // TEST-NET-1
    (a === 192 && b === 168) || // 192.168.0.0/16
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    (a === 198 && b === 51 && c === 100) || // TEST-NET-2
    (a === 203 && b === 0 && c === 113) || // TEST-NET-3
    a >= 224 // multicast, reserved, broadcast
  );
}

/** The eight 16-bit groups of an IPv6 address (the URL parser's canonical form), or null. */
function parseIpv6(text: string): Ipv6Groups | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const part = (s: string) => (s === "" ? [] : s.split(":"));
  const head = part(halves[0]!);
  const tail = halves.length === 2 ? part(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  const numbers = groups.map((g) => (/^[0-9a-fA-F]{1,4}$/.test(g) ? parseInt(g, 16) : NaN));
  // head, the zero groups and tail make eight, as checked above.
  return numbers.some(Number.isNaN) ? null : (numbers as Ipv6Groups);
}

function describeEntries(entries: string[]): string {
  if (entries.length === 0) return "none are listed";
  const shown = entries.slice(0, 5).join(", ");
  return entries.length > 5 ? `${shown}, ... ${entries.length - 5} more` : shown;
}

function cut(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
