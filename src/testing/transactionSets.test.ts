/// <reference types="vite/client" />
// The read/write-set recorder itself: documents, index ranges (whole,
// and cut short by first/take), inserts into ranges, nested component calls
// in one transaction, and restoring convex-test afterwards.
import { afterEach, describe, expect, test } from "vitest";
import { api, components } from "../component/_generated/api.js";
import type { Id } from "../component/_generated/dataModel.js";
import { initConvexTest } from "../component/setup.test.js";
import { conflicts, recordTransactions, type Recorder, type TransactionSets } from "./transactionSets.js";

type T = ReturnType<typeof initConvexTest>;

let recorder: Recorder | null = null;
afterEach(() => {
  recorder?.stop();
  recorder = null;
});

const quota = (integrationId: string, namespace: string | null, perMinute = 5) => ({
  integrationId,
  namespace,
  perMinute,
  whenExceeded: "reject" as const,
  updatedAt: 0,
});

async function seed(t: T) {
  return await t.run(async (ctx) => ({
    a1: await ctx.db.insert("quotas", quota("a", "n1")),
    a2: await ctx.db.insert("quotas", quota("a", "n2")),
    b1: await ctx.db.insert("quotas", quota("b", "n1")),
  }));
}

/** A test instance with the seed's documents, recording from now on. */
async function start() {
  const t = initConvexTest();
  const ids = await seed(t);
  recorder = recordTransactions(t);
  return { t, ...ids };
}

/** Runs `fn` under the recorder; returns its one transaction. */
async function one(fn: () => Promise<unknown>): Promise<TransactionSets> {
  const { transactions } = await recorder!.record(fn);
  expect(transactions).toHaveLength(1);
  return transactions[0];
}

describe("documents", () => {
  test("two mutations that patch the same document conflict, both ways", async () => {
    const { t, a1 } = await start();
    const first = await one(() => t.run(async (ctx) => ctx.db.patch("quotas", a1, { perMinute: 6 })));
    const second = await one(() => t.run(async (ctx) => ctx.db.patch("quotas", a1, { perMinute: 7 })));

    expect(first.committed).toBe(true);
    expect(first.reads).toEqual([{ component: "", table: "quotas", id: a1 }]);
    expect(first.writes).toMatchObject([
      { component: "", table: "quotas", id: a1, before: { perMinute: 5 }, after: { perMinute: 6 } },
    ]);
    expect(conflicts(first, second)).toEqual([{ component: "", table: "quotas", id: a1, read: { document: a1 } }]);
    expect(conflicts(second, first)).toHaveLength(1);
  });

  test("a get of a document another mutation deletes conflicts; a mutation that only reads conflicts with nothing", async () => {
    const { t, a1 } = await start();
    const reader = await one(() => t.run(async (ctx) => ctx.db.get("quotas", a1)));
    const deleter = await one(() => t.run(async (ctx) => ctx.db.delete("quotas", a1)));

    expect(reader.writes).toEqual([]);
    expect(deleter.writes).toMatchObject([{ id: a1, before: { integrationId: "a" }, after: null }]);
    expect(conflicts(deleter, reader)).toHaveLength(1);
    expect(conflicts(reader, deleter)).toEqual([]);
  });

  test("two mutations that write different documents, each reading only its own, do not conflict", async () => {
    const { t, a1, a2 } = await start();
    const first = await one(() => t.run(async (ctx) => ctx.db.patch("quotas", a1, { perMinute: 6 })));
    const second = await one(() => t.run(async (ctx) => ctx.db.replace("quotas", a2, quota("a", "n2", 9))));
    expect(conflicts(first, second)).toEqual([]);
    expect(conflicts(second, first)).toEqual([]);
  });

  test("a mutation that throws writes nothing; its reads still count", async () => {
    const { t, a1 } = await start();
    const failed = await one(() =>
      t
        .run(async (ctx) => {
          await ctx.db.patch("quotas", a1, { perMinute: 6 });
          throw new Error("no");
        })
        .catch(() => null),
    );
    expect(failed).toMatchObject({ committed: false, writes: [] });
    expect(failed.reads).toEqual([{ component: "", table: "quotas", id: a1 }]);
  });
});

describe("index ranges", () => {
  const byScope = (integrationId: string, namespace: string) => (t: T) =>
    t.run(async (ctx) =>
      ctx.db
        .query("quotas")
        .withIndex("by_scope", (q) => q.eq("integrationId", integrationId).eq("namespace", namespace))
        .collect(),
    );

  test("an insert into a range another transaction read conflicts, even when the range was empty", async () => {
    const { t } = await start();
    const reader = await one(() => byScope("c", "n1")(t));
    expect(reader.ranges).toMatchObject([
      {
        table: "quotas",
        index: "by_scope",
        fields: ["integrationId", "namespace", "_creationTime", "_id"],
        bounds: [
          { type: "Eq", fieldPath: "integrationId", value: "c" },
          { type: "Eq", fieldPath: "namespace", value: "n1" },
        ],
      },
    ]);
    expect(reader.ranges[0].upTo).toBeUndefined();
    const inserter = await one(() => t.run(async (ctx) => ctx.db.insert("quotas", quota("c", "n1"))));
    expect(conflicts(inserter, reader)).toMatchObject([
      { table: "quotas", read: { range: '(root):quotas.by_scope[integrationId == "c", namespace == "n1"] asc' } },
    ]);
  });

  test("an insert outside the range does not conflict", async () => {
    const { t } = await start();
    const reader = await one(() => byScope("a", "n1")(t));
    const inserter = await one(() => t.run(async (ctx) => ctx.db.insert("quotas", quota("a", "n3"))));
    expect(conflicts(inserter, reader)).toEqual([]);
  });

  test("a patch that moves a document into or out of a range conflicts; one that keeps it outside does not", async () => {
    const { t, a2, b1 } = await start();
    const reader = await one(() => byScope("a", "n1")(t));
    const moveIn = await one(() => t.run(async (ctx) => ctx.db.patch("quotas", a2, { namespace: "n1" })));
    const reader2 = await one(() => byScope("a", "n1")(t));
    const moveOut = await one(() => t.run(async (ctx) => ctx.db.patch("quotas", a2, { namespace: "n2" })));
    const elsewhere = await one(() => t.run(async (ctx) => ctx.db.patch("quotas", b1, { namespace: "n9" })));
    expect(conflicts(moveIn, reader)).toHaveLength(1);
    expect(conflicts(moveOut, reader2)).toHaveLength(1);
    expect(conflicts(elsewhere, reader)).toEqual([]);
  });

  test("first() reads its range only up to the document it returned", async () => {
    const { t } = await start();
    const firstOfA = await one(() =>
      t.run(async (ctx) => ctx.db.query("quotas").withIndex("by_scope", (q) => q.eq("integrationId", "a")).first()),
    );
    expect(firstOfA.ranges).toHaveLength(1);
    expect(firstOfA.ranges[0].upTo?.slice(0, 2)).toEqual(["a", "n1"]);
    // Sorts after the document read: outside what was read.
    const after = await one(() => t.run(async (ctx) => ctx.db.insert("quotas", quota("a", "n5"))));
    // Sorts before it: inside.
    const before = await one(() => t.run(async (ctx) => ctx.db.insert("quotas", quota("a", "n0"))));
    expect(conflicts(after, firstOfA)).toEqual([]);
    expect(conflicts(before, firstOfA)).toHaveLength(1);
  });

  test("take(n) that returns n documents reads up to the last; collect() reads the whole range", async () => {
    const { t } = await start();
    const took = await one(() =>
      t.run(async (ctx) => ctx.db.query("quotas").withIndex("by_scope", (q) => q.eq("integrationId", "a")).take(1)),
    );
    const all = await one(() =>
      t.run(async (ctx) => ctx.db.query("quotas").withIndex("by_scope", (q) => q.eq("integrationId", "a")).collect()),
    );
    const scan = await one(() => t.run(async (ctx) => ctx.db.query("quotas").collect()));
    const later = await one(() => t.run(async (ctx) => ctx.db.insert("quotas", quota("a", "n5"))));
    expect(took.ranges[0].upTo).toBeDefined();
    expect(conflicts(later, took)).toEqual([]);
    expect(conflicts(later, all)).toHaveLength(1);
    expect(scan.ranges).toMatchObject([{ table: "quotas", index: "by_creation_time", bounds: [] }]);
    expect(conflicts(later, scan)).toHaveLength(1);
  });
});

describe("transactions", () => {
  test("a mutation's nested component calls are part of its transaction, apart by component", async () => {
    const t = initConvexTest();
    recorder = recordTransactions(t);
    const config = { kind: "fixed window" as const, rate: 5, period: 60_000, start: 0 };
    const take = (key: string) =>
      t.run(async (ctx) => ctx.runMutation(components.rateLimiter.lib.rateLimit, { name: "n", key, config }));
    const { transactions } = await recorder.record(async () => {
      await take("k1");
      await take("k1");
      await take("k2");
    });
    expect(transactions).toHaveLength(3);
    const [first, second, other] = transactions;
    expect(first.writes).toMatchObject([{ component: "rateLimiter", table: "rateLimits", before: null }]);
    expect(first.ranges.map((r) => `${r.component}:${r.table}.${r.index}`)).toEqual(["rateLimiter:rateLimits.name"]);
    // The second take of k1 reads and patches the document the first inserted.
    expect(conflicts(first, second)).toHaveLength(1);
    expect(conflicts(second, other)).toEqual([]);
    expect(conflicts(other, second)).toEqual([]);
  });

  test("queries are recorded as transactions that write nothing; stop() leaves convex-test as it was", async () => {
    const { t, a1 } = await start();
    const read = await one(() => t.query(api.dispatch.quotas.getQuota, { integrationId: "a", namespace: "n1" }));
    expect(read).toMatchObject({ committed: false, writes: [], ranges: [{ table: "quotas", index: "by_scope" }] });
    const stopped = recorder!;
    stopped.stop();
    const before = stopped.transactions.length;
    await t.run(async (ctx) => ctx.db.patch("quotas", a1 as Id<"quotas">, { perMinute: 8 }));
    expect(stopped.transactions).toHaveLength(before);
  });
});
