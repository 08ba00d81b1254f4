import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { matchPattern } from "./patternMatch.js";
import { MAX_ROUTED_ALTERNATIVES, chooseRoutings, eventKeysFor } from "./routing.js";

describe("chooseRoutings", () => {
  test("fields outside $or route the rule once", () => {
    const routings = chooseRoutings({ boardId: [1], $or: [{ a: ["x"] }, { b: ["y"] }] });
    expect(routings).toEqual([{ routePath: "boardId", fields: ["boardId"], keys: ["boardId=1"] }]);
  });

  test("a pattern routed only inside $or gets one routing per field set", () => {
    expect(chooseRoutings({ $or: [{ boardId: [1, 2] }, { groupId: ["g"] }, { boardId: [3] }] })).toEqual([
      { routePath: "boardId", fields: ["boardId"], keys: ["boardId=1", "boardId=2", "boardId=3"] },
      { routePath: "groupId", fields: ["groupId"], keys: ['groupId="g"'] },
    ]);
  });

  test("nested $or branches route on their full paths, with the fields around them", () => {
    expect(
      chooseRoutings({ detail: { kind: [{ prefix: "a" }], $or: [{ state: ["open"] }, { size: [{ numeric: [">", 1] }], tag: ["t"] }] } }),
    ).toEqual([
      { routePath: "detail.state", fields: ["detail.state"], keys: ['detail.state="open"'] },
      { routePath: "detail.tag", fields: ["detail.tag"], keys: ['detail.tag="t"'] },
    ]);
  });

  test("a branch without an exact list makes the rule a wildcard candidate", () => {
    expect(chooseRoutings({ $or: [{ boardId: [1] }, { name: [{ prefix: "x" }] }] })).toEqual([]);
  });

  test("a wide $or (20,000 branches) makes the rule a wildcard candidate", () => {
    const branches = Array.from({ length: 20_000 }, (_, i) => ({ boardId: [i] }));
    expect(chooseRoutings({ $or: branches })).toEqual([]);
  });

  test("too many alternatives make the rule a wildcard candidate", () => {
    // 5 nested $or of 2 branches: 32 alternatives.
    const pattern = Object.fromEntries(
      Array.from({ length: 5 }, (_, i) => [`f${i}`, { $or: [{ a: [i] }, { b: [i] }] }]),
    );
    expect(2 ** 5).toBeGreaterThan(MAX_ROUTED_ALTERNATIVES);
    expect(chooseRoutings(pattern)).toEqual([]);
  });

  // Patterns over a few fields, with $or at the top or one level down, and
  // events over the same fields: whenever the pattern matches, one of its
  // routings has a key the event looks up (or the event reads the set whole).
  const valueArb = fc.constantFrom(1, 2, "x", "y");
  const leafArb = fc.oneof(
    { weight: 3, arbitrary: fc.uniqueArray(valueArb, { minLength: 1, maxLength: 2 }) },
    { weight: 1, arbitrary: fc.constant([{ prefix: "x" }]) },
    { weight: 1, arbitrary: fc.constant([{ exists: true }]) },
  );
  const fieldsArb = (names: string[]) =>
    fc.dictionary(fc.constantFrom(...names), leafArb, { minKeys: 1, maxKeys: 2 });
  const branchArb = fc.oneof(
    fieldsArb(["a", "b", "c"]),
    fc.record({ d: fieldsArb(["p", "q"]) }),
  );
  const orArb = fc.array(branchArb, { minLength: 2, maxLength: 3 });
  const patternArb = fc.oneof(
    fc.tuple(fc.option(fieldsArb(["c"]), { nil: undefined }), orArb).map(([around, branches]) => ({ ...around, $or: branches })),
    fc.tuple(fieldsArb(["a"]), orArb).map(([around, branches]) => ({ ...around, d: { $or: branches } })),
  );
  const eventValueArb = fc.oneof(valueArb, fc.array(valueArb, { maxLength: 3 }));
  const eventArb = fc.record(
    {
      a: eventValueArb,
      b: eventValueArb,
      c: eventValueArb,
      d: fc.record({ p: eventValueArb, q: eventValueArb, a: eventValueArb, d: fc.record({ p: eventValueArb }) }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  );

  test("routing never misses an event the pattern matches", () => {
    let routedMatches = 0;
    fc.assert(
      fc.property(patternArb, eventArb, (pattern, event) => {
        const routings = chooseRoutings(pattern);
        if (routings.length === 0 || !matchPattern(pattern, event)) return;
        routedMatches++;
        const found = routings.some((routing) => {
          const keys = eventKeysFor(event, routing.fields);
          return keys === null || keys.some((key) => routing.keys.includes(key));
        });
        expect(found).toBe(true);
      }),
      { numRuns: 3000 },
    );
    expect(routedMatches).toBeGreaterThan(100);
  });
});
