import { describe, expect, test } from "vitest";
import {
  checkRequestUrl,
  httpPolicyProblem,
  httpRequestConfigProblem,
  isPrivateAddress,
  type HttpPolicy,
} from "./httpPolicy.js";

const policy: HttpPolicy = {
  allowedHosts: [
    "hooks.example.com",
    "api.example.com:8443",
    "*.zapier.com",
    "10.1.2.3",
    "[2001:4860::8888]",
    "localhost:3000",
    "8.8.8.8",
  ],
};

const ok = (url: string, p: HttpPolicy = policy) => checkRequestUrl(url, p);
const message = (url: string, p: HttpPolicy = policy) => {
  const result = checkRequestUrl(url, p);
  if (result.ok) throw new Error(`expected ${url} to be refused`);
  return result.message;
};

describe("checkRequestUrl", () => {
  test.each([
    "https://hooks.example.com/services/T0/B0",
    "https://HOOKS.Example.com./x".replace("./", "/"),
    "https://hooks.example.com:443/x",
    "https://api.example.com:8443/v1?x=1",
    "https://hooks.zapier.com/hooks/catch/1/abc/",
    "https://a.b.zapier.com/",
    "https://10.1.2.3/internal",
    "https://[2001:4860::8888]/",
    "https://localhost:3000/",
    "https://8.8.8.8/",
  ])("allows %s", (url) => {
    expect(ok(url).ok).toBe(true);
  });

  test("only https, unless the policy allows http", () => {
    expect(message("http://hooks.example.com/x")).toContain("set http.allowHttp");
    expect(ok("http://hooks.example.com/x", { ...policy, allowHttp: true }).ok).toBe(true);
    expect(message("ftp://hooks.example.com/x")).toContain("only https: URLs are allowed");
    expect(message("file:///etc/passwd")).toContain("only https:");
    expect(message("javascript:alert(1)")).toContain("only https:");
  });

  test("hosts not listed, lookalikes and the bare domain of a wildcard are refused", () => {
    expect(message("https://evil.com/")).toBe(
      'host "evil.com" is not in http.allowedHosts (hooks.example.com, api.example.com:8443, *.zapier.com, 10.1.2.3, [2001:4860::8888], ... 2 more)',
    );
    expect(message("https://hooks.example.com.evil.com/")).toContain('host "hooks.example.com.evil.com"');
    expect(message("https://evilzapier.com/")).toContain("not in http.allowedHosts");
    expect(message("https://zapier.com/")).toContain('host "zapier.com"');
    expect(message("https://hooks.example.com@evil.com/")).toContain("credentials");
    expect(message("https://user:pw@hooks.example.com/")).toContain("credentials");
    expect(message("https://x/", { allowedHosts: [] })).toContain("none are listed");
  });

  test("ports: an entry without a port allows the default port only", () => {
    expect(message("https://hooks.example.com:8443/")).toBe(
      'port 8443 of "hooks.example.com" is not allowed: list "hooks.example.com:8443" in http.allowedHosts',
    );
    expect(message("https://api.example.com/")).toContain('port 443 of "api.example.com"');
    expect(message("https://hooks.zapier.com:444/")).toContain("port 444");
  });

  test("private, loopback and metadata addresses are refused unless listed exactly, however written", () => {
    for (const url of [
      "https://127.0.0.1/",
      "https://127.1/",
      "https://0x7f000001/",
      "https://2130706433/",
      "https://169.254.169.254/latest/meta-data/",
      "https://192.168.1.1/",
      "https://172.16.0.1/",
      "https://10.1.2.4/",
      "https://0.0.0.0/",
      "https://[::1]/",
      "https://[::ffff:127.0.0.1]/",
      "https://[fd00::1]/",
      "https://[fe80::1]/",
      "https://api.localhost/",
    ]) {
      expect({ url, message: message(url) }).toEqual({
        url,
        message: expect.stringContaining("is a private or local address"),
      });
    }
    // Listing "localhost:3000" allows that port only.
    expect(message("https://localhost/")).toContain('port 443 of "localhost" is not allowed');
    // "*" never reaches them either.
    expect(message("https://127.0.0.1/", { allowedHosts: ["*"] })).toContain("private or local");
    expect(message("https://localhost/", { allowedHosts: ["*", "*.localhost"] })).toContain(
      "private or local",
    );
  });

  test("a public IP address needs an exact entry too; * allows any public host name", () => {
    expect(message("https://1.1.1.1/")).toBe('the IP address "1.1.1.1" is not in http.allowedHosts');
    expect(message("https://1.1.1.1/", { allowedHosts: ["*"] })).toContain("not in http.allowedHosts");
    expect(ok("https://anything.example.org/x", { allowedHosts: ["*"] }).ok).toBe(true);
  });

  test("malformed URLs", () => {
    expect(message("")).toBe("must be a non-empty string");
    expect(message("/relative")).toContain("is not an absolute URL");
    expect(message(`https://hooks.example.com/${"x".repeat(2100)}`)).toContain("longer than 2048");
  });
});

describe("httpPolicyProblem", () => {
  test.each([
    [{ allowedHosts: ["hooks.example.com", "*.zapier.com", "*", "h:1", "[::1]:8080"] }, null],
    [{ allowedHosts: ["https://hooks.example.com"] }, "allowedHosts[0]"],
    [{ allowedHosts: ["hooks.example.com/path"] }, "allowedHosts[0]"],
    [{ allowedHosts: ["ok.com", "*.com:80"] }, "allowedHosts[1]"],
    [{ allowedHosts: ["*.com"] }, "allowedHosts[0]"],
    [{ allowedHosts: ["a.*.com"] }, "allowedHosts[0]"],
    [{ allowedHosts: ["h:0"] }, "allowedHosts[0]"],
    [{ allowedHosts: [""] }, "allowedHosts[0]"],
    [{ allowedHosts: "hooks.example.com" }, "allowedHosts"],
    [{ allowedHosts: [], allowHttp: "yes" }, "allowHttp"],
    [{ allowedHosts: Array.from({ length: 101 }, (_, i) => `h${i}.com`) }, "allowedHosts"],
  ])("%j -> %s", (value, field) => {
    expect(httpPolicyProblem(value)?.field ?? null).toBe(field);
  });
});

describe("httpRequestConfigProblem", () => {
  const base = { method: "POST", url: "https://hooks.example.com/x" };
  test.each([
    [base, null],
    [{ ...base, headers: { "X-Token": "abc", "content-type": "text/plain" }, body: { a: 1 } }, null],
    [{ ...base, method: "get" }, "method"],
    [{ ...base, url: 42 }, "url"],
    [{ ...base, headers: { "Bad Name": "x" } }, "headers.Bad Name"],
    [{ ...base, headers: { "X-Id": 7 } }, "headers.X-Id"],
    [{ ...base, headers: { "X-Id": "a\r\nInjected: yes" } }, "headers.X-Id"],
    [{ ...base, headers: ["x"] }, "headers"],
    [{ ...base, method: "GET", body: "x" }, "body"],
    [{ ...base, timeoutMs: 0 }, "timeoutMs"],
    [{ ...base, timeoutMs: 60_001 }, "timeoutMs"],
    [{ ...base, timeoutMs: "5000" }, "timeoutMs"],
    [null, ""],
  ])("%j -> %s", (config, field) => {
    expect(httpRequestConfigProblem(config)?.field ?? null).toBe(field);
  });
});

test("isPrivateAddress", () => {
  for (const ip of ["10.0.0.1", "100.64.0.1", "127.0.0.1", "169.254.1.1", "172.31.255.255", "192.168.0.1", "224.0.0.1", "255.255.255.255", "[::]", "[::1]", "[fc00::1]", "[::ffff:a00:1]", "[64:ff9b::7f00:1]"]) {
    expect({ ip, private: isPrivateAddress(ip) }).toEqual({ ip, private: true });
  }
  for (const ip of ["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "[2001:4860:4860::8888]", "[::ffff:808:808]"]) {
    expect({ ip, private: isPrivateAddress(ip) }).toEqual({ ip, private: false });
  }
});
