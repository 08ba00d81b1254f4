/**
 * Read and write sets of the transactions convex-test runs.
 *
 * A Convex deployment runs mutations concurrently under optimistic
 * concurrency control: a transaction whose read set (the documents it read
 * and the index ranges it scanned) was written by another transaction that
 * committed first is retried, and fails after a few retries. convex-test
 * runs one transaction at a time, so a document that every dispatch reads
 * and writes never shows there. This records, per top-level transaction
 * (a `t.mutation`, `t.query`, `t.run` or scheduled function, with every
 * nested call into a component, which runs in the same transaction):
 *
 * - the documents read by id (`db.get`, and the read that `patch`,
 *   `replace` and `delete` make),
 * - the index ranges read: table, index, bounds, and, when the query
 *   stopped before the end of its range (`first`, `take`, a stream left
 *   unfinished), the key of the last document read, up to which the range
 *   counts. A query without an index reads `by_creation_time`; a search
 *   query counts as a read of its whole table;
 * - the documents written: id, table, and the document before (committed
 *   state) and after the transaction, so that a write can be placed in
 *   another transaction's ranges by its old or new index key.
 *
 * `conflicts(a, b)` then lists what `a` writes in `b`'s read set: if both
 * ran at once and `a` committed first, `b` would be retried.
 *
 * How: convex-test keeps one database object per component (with
 * `get`, `startQuery`, `queryNext`, `paginate` and a stack of pending
 * writes) and a transaction manager (`begin`, `commit`, `rollback`), in a
 * global it reaches through an AsyncLocalStorage. `recordTransactions`
 * captures that global once (by watching `AsyncLocalStorage.run` during one
 * call on `t` that starts no transaction) and wraps those objects' methods
 * on the instances, until `stop()`. Nothing of the code under test changes.
 * Written against convex-test 0.0.60; it throws when the internals it needs
 * are missing rather than record nothing. Not exported from `src/test.ts`:
 * it imports `node:async_hooks`, which the example app's typecheck (without
 * Node's types, like Convex functions) would have to resolve.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { compareValues, jsonToConvex, type JSONValue, type Value } from "convex/values";

/** A document as convex-test stores it. */
type StoredDoc = Record<string, Value | undefined> & { _id: string; _creationTime: number };

/** A bound of an index range, as the query sent it. */
export type RangeBound = {
  type: "Eq" | "Gt" | "Gte" | "Lt" | "Lte";
  fieldPath: string;
  value: Value | undefined;
};

/** A document read by id. */
export type DocumentRead = { component: string; table: string; id: string };

/** An index range read by a query. */
export type RangeRead = {
  component: string;
  table: string;
  /** The index name ("by_creation_time" for a query without an index). */
  index: string;
  /** The fields of the index key, `_creationTime` and `_id` included. */
  fields: string[];
  bounds: RangeBound[];
  order: "asc" | "desc";
  /**
   * The index key of the last document read, when the query stopped before
   * the end of its range: the read covers the range up to it (inclusive).
   */
  upTo?: (Value | undefined)[];
};

/** A document written: its committed state before and after the transaction (null: absent). */
export type DocumentWrite = {
  component: string;
  table: string;
  id: string;
  before: StoredDoc | null;
  after: StoredDoc | null;
};

export type TransactionSets = {
  /** Position among the transactions of the recorder, from 0. */
  index: number;
  /** False for a query, and for a mutation that threw (its writes are discarded). */
  committed: boolean;
  reads: DocumentRead[];
  ranges: RangeRead[];
  writes: DocumentWrite[];
};

/** Something `a` writes that `b` read. */
export type Conflict = {
  component: string;
  table: string;
  id: string;
  /** What of `b`'s read set the write falls in. */
  read: { document: string } | { range: string };
};

type DatabaseFake = {
  _componentPath: string;
  _documents: Record<string, StoredDoc>;
  _writes: Record<string, StoredDoc | null>[];
  _queryResults: Record<number, StoredDoc[]>;
  _schema: { tables: Map<string, { indexes: { indexDescriptor: string; fields: string[] }[] }> } | null;
  [method: string]: unknown;
};
type TransactionManager = {
  begin(isNested: boolean, limits?: unknown): Promise<void>;
  commit(isNested: boolean): unknown;
  rollback(isNested: boolean): void;
};
type ConvexGlobal = {
  components: Record<string, { db: DatabaseFake }>;
  transactionManager: TransactionManager;
};

type QuerySource =
  | { type: "FullTableScan"; tableName: string; order?: "asc" | "desc" | null }
  | {
      type: "IndexRange";
      indexName: string;
      range: { type: RangeBound["type"]; fieldPath: string; value: JSONValue }[];
      order?: "asc" | "desc" | null;
    }
  | { type: "Search"; indexName: string };
type Query = { source: QuerySource; operators: ({ limit: number } | { filter: unknown })[] };

/** A query being read: its range, how many results it had and how far it was read. */
type OpenQuery = {
  queryId: number | null;
  range: RangeRead;
  limit: number | null;
  results: number;
  consumed: number;
  last: StoredDoc | null;
  done: boolean;
};

type Current = { reads: DocumentRead[]; queries: OpenQuery[] };

export type Recorder = {
  /** Runs `fn` and returns the transactions that ended while it ran, in order. */
  record<R>(fn: () => Promise<R>): Promise<{ result: R; transactions: TransactionSets[] }>;
  /** Every transaction recorded so far. */
  transactions: TransactionSets[];
  /** Restores convex-test's objects. */
  stop(): void;
};

/**
 * Starts recording the transactions of `t` (a `convexTest` instance, with
 * its components registered). Call `stop()` when done (an `afterEach` is a
 * good place); only one recorder per `t` at a time.
 */
export function recordTransactions(t: unknown): Recorder {
  const convex = captureGlobal(t);
  const manager = convex.transactionManager;
  const restore: (() => void)[] = [];
  const patched = new WeakSet<object>();
  const transactions: TransactionSets[] = [];
  let current: Current | null = null;
  // convex-test's own methods call `get` (patch, replace, delete, query
  // evaluation): only a call from outside them is a read.
  let depth = 0;

  const wrap = <O extends object>(object: O, name: string, make: (original: (...args: any[]) => any) => (...args: any[]) => any) => {
    const own = Object.prototype.hasOwnProperty.call(object, name);
    const previous = (object as Record<string, unknown>)[name];
    if (typeof previous !== "function") throw new Error(`recordTransactions: convex-test has no ${name}() here`);
    const original = (previous as (...args: any[]) => any).bind(object);
    (object as Record<string, unknown>)[name] = make(original);
    restore.push(() => {
      if (own) (object as Record<string, unknown>)[name] = previous;
      else delete (object as Record<string, unknown>)[name];
    });
  };
  const nested = (original: (...args: any[]) => any) => (...args: any[]) => {
    depth++;
    try {
      return original(...args);
    } finally {
      depth--;
    }
  };

  const patchDatabase = (db: DatabaseFake) => {
    if (patched.has(db)) return;
    patched.add(db);
    const component = db._componentPath;
    wrap(db, "get", (original) => (table: string | undefined, id: string) => {
      if (depth === 0 && current) current.reads.push({ component, table: tableOf(id), id });
      return nested(original)(table, id);
    });
    for (const name of ["patch", "replace", "delete", "insert", "getFile", "vectorSearch"]) {
      wrap(db, name, nested);
    }
    wrap(db, "startQuery", (original) => (query: Query) => {
      const queryId = nested(original)(query) as number;
      if (current && depth === 0) {
        const limit = query.operators.find((op): op is { limit: number } => "limit" in op)?.limit ?? null;
        current.queries.push(openQuery(db, query, { queryId, limit, results: db._queryResults[queryId]?.length ?? 0 }));
      }
      return queryId;
    });
    wrap(db, "queryNext", (original) => (queryId: number) => {
      const next = nested(original)(queryId) as { value: StoredDoc | null; done: boolean };
      const open = current?.queries.find((q) => q.queryId === queryId && q.range.component === component);
      if (open) {
        if (next.done) open.done = true;
        else {
          open.consumed++;
          open.last = next.value;
        }
      }
      return next;
    });
    wrap(db, "paginate", (original) => (args: { query: Query }) => {
      const page = nested(original)(args);
      // A page reads part of its range; counting all of it over-reports,
      // which is the safe side for a test that asserts no conflict.
      if (current && depth === 0) {
        current.queries.push({ ...openQuery(db, args.query, { queryId: null, limit: null, results: 0 }), done: true });
      }
      return page;
    });
  };
  const patchAll = () => {
    for (const { db } of Object.values(convex.components)) patchDatabase(db);
  };

  const finish = (committed: boolean, writes: DocumentWrite[]) => {
    const done = current!;
    current = null;
    const inserted = new Set(writes.filter((w) => w.before === null).map((w) => `${w.component}\u0000${w.id}`));
    transactions.push({
      index: transactions.length,
      committed,
      reads: unique(done.reads.filter((r) => !inserted.has(`${r.component}\u0000${r.id}`)), (r) => `${r.component}\u0000${r.id}`),
      ranges: done.queries.flatMap((q) => readRange(q) ?? []),
      writes,
    });
  };

  wrap(manager, "begin", (original) => async (isNested: boolean, limits?: unknown) => {
    if (!isNested) {
      patchAll();
      current = { reads: [], queries: [] };
    }
    return await original(isNested, limits);
  });
  wrap(manager, "commit", (original) => (isNested: boolean) => {
    if (isNested || !current) return original(isNested);
    // The top level of pending writes is what the transaction commits.
    const pending: { db: DatabaseFake; id: string; before: StoredDoc | null }[] = [];
    for (const { db } of Object.values(convex.components)) {
      const top = db._writes[db._writes.length - 1] ?? {};
      for (const id of Object.keys(top)) pending.push({ db, id, before: db._documents[id] ?? null });
    }
    const result = original(isNested);
    const writes: DocumentWrite[] = [];
    for (const { db, id, before } of pending) {
      const after = db._documents[id] ?? null;
      if (before === null && after === null) continue;
      writes.push({ component: db._componentPath, table: tableOf(id), id, before, after });
    }
    finish(true, writes);
    return result;
  });
  wrap(manager, "rollback", (original) => (isNested: boolean) => {
    const result = original(isNested);
    if (!isNested && current) finish(false, []);
    return result;
  });
  patchAll();

  return {
    transactions,
    async record(fn) {
      const from = transactions.length;
      const result = await fn();
      return { result, transactions: transactions.slice(from) };
    },
    stop() {
      for (const undo of restore.reverse()) undo();
      restore.length = 0;
    },
  };
}

/**
 * What `a` writes in `b`'s read set: a document `b` read, or a document whose
 * index key before or after the write lies in a range `b` read. Empty when
 * `b` would not be retried because of `a`.
 */
export function conflicts(a: TransactionSets, b: TransactionSets): Conflict[] {
  const found: Conflict[] = [];
  for (const write of a.writes) {
    const where = { component: write.component, table: write.table, id: write.id };
    if (b.reads.some((r) => r.component === write.component && r.id === write.id)) {
      found.push({ ...where, read: { document: write.id } });
      continue;
    }
    const range = b.ranges.find(
      (r) =>
        r.component === write.component &&
        r.table === write.table &&
        [write.before, write.after].some((doc) => doc !== null && inRange(r, doc)),
    );
    if (range) found.push({ ...where, read: { range: describeRange(range) } });
  }
  return found;
}

/** Conflicts either way: what `a` writes that `b` read, and what `b` writes that `a` read. */
export function conflictsEitherWay(a: TransactionSets, b: TransactionSets): { aThenB: Conflict[]; bThenA: Conflict[] } {
  return { aThenB: conflicts(a, b), bThenA: conflicts(b, a) };
}

/** The index key of `doc` for these fields (a missing field is `undefined`, which sorts first). */
export function indexKey(doc: Record<string, unknown>, fields: string[]): (Value | undefined)[] {
  return fields.map((path) => fieldValue(doc, path));
}

/** Whether `doc`'s key in the range's index lies in the part of the range that was read. */
export function inRange(range: RangeRead, doc: Record<string, unknown>): boolean {
  for (const bound of range.bounds) {
    const cmp = compareValues(fieldValue(doc, bound.fieldPath) as Value, bound.value as Value);
    const ok =
      bound.type === "Eq" ? cmp === 0
      : bound.type === "Gt" ? cmp > 0
      : bound.type === "Gte" ? cmp >= 0
      : bound.type === "Lt" ? cmp < 0
      : cmp <= 0;
    if (!ok) return false;
  }
  if (range.upTo) {
    const cmp = compareValues(indexKey(doc, range.fields) as Value, range.upTo as Value);
    return range.order === "asc" ? cmp <= 0 : cmp >= 0;
  }
  return true;
}

/** A range in one line, for failure messages: `rules:ruleRoutes.by_path[path == "x"] asc up to [...]`. */
export function describeRange(range: RangeRead): string {
  const bounds = range.bounds
    .map((b) => `${b.fieldPath} ${OPERATOR[b.type]} ${JSON.stringify(b.value === undefined ? null : toJson(b.value))}`)
    .join(", ");
  const upTo = range.upTo ? ` up to ${JSON.stringify(range.upTo.map((v) => (v === undefined ? null : toJson(v))))}` : "";
  return `${range.component || "(root)"}:${range.table}.${range.index}[${bounds}] ${range.order}${upTo}`;
}

// --- helpers -------------------------------------------------------------------

const OPERATOR = { Eq: "==", Gt: ">", Gte: ">=", Lt: "<", Lte: "<=" } as const;

function toJson(value: Value): JSONValue {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v))) as JSONValue;
}

/** Finds convex-test's global of `t`: the store its calls run `AsyncLocalStorage.run` with. */
function captureGlobal(t: unknown): ConvexGlobal {
  const probe = (t as { finishInProgressScheduledFunctions?: () => Promise<void> }).finishInProgressScheduledFunctions;
  if (typeof probe !== "function") throw new Error("recordTransactions: pass the object convexTest() returned");
  const run = AsyncLocalStorage.prototype.run;
  let found: ConvexGlobal | null = null;
  AsyncLocalStorage.prototype.run = function (this: AsyncLocalStorage<unknown>, store: unknown, ...rest: unknown[]) {
    if (found === null && isConvexGlobal(store)) found = store;
    return (run as (...args: unknown[]) => unknown).call(this, store, ...rest);
  } as typeof run;
  let pending: Promise<void>;
  try {
    // Starts no transaction: it waits for scheduled functions in progress.
    pending = probe();
  } finally {
    AsyncLocalStorage.prototype.run = run;
  }
  pending.catch(() => {});
  if (found === null) throw new Error("recordTransactions: convex-test's internals are not the ones this was written for (0.0.60)");
  return found;
}

function isConvexGlobal(store: unknown): store is ConvexGlobal {
  const s = store as Partial<ConvexGlobal> | null;
  return (
    typeof s === "object" &&
    s !== null &&
    typeof s.components === "object" &&
    typeof s.transactionManager?.begin === "function" &&
    typeof s.transactionManager?.commit === "function"
  );
}

/** convex-test's ids are a counter followed by the table name. */
function tableOf(id: string): string {
  return id.replace(/^[0-9]+/, "");
}

function fieldValue(doc: Record<string, unknown>, path: string): Value | undefined {
  let value: unknown = doc;
  for (const part of path.split(".")) {
    value = value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>)[part] : undefined;
  }
  return value as Value | undefined;
}

function decodeBound(value: JSONValue): Value | undefined {
  if (value !== null && typeof value === "object" && !Array.isArray(value) && "$undefined" in value) return undefined;
  return jsonToConvex(value);
}

function openQuery(
  db: DatabaseFake,
  query: Query,
  stream: Pick<OpenQuery, "queryId" | "limit" | "results">,
): OpenQuery {
  const source = query.source;
  const component = db._componentPath;
  let range: RangeRead;
  if (source.type === "IndexRange") {
    const [table, index] = source.indexName.split(".");
    const fields =
      index === "by_creation_time" ? ["_creationTime", "_id"]
      : index === "by_id" ? ["_id"]
      : [
          ...(db._schema?.tables.get(table)?.indexes.find((i) => i.indexDescriptor === index)?.fields ?? []),
          "_creationTime",
          "_id",
        ];
    range = {
      component,
      table,
      index,
      fields,
      bounds: source.range.map((b) => ({ type: b.type, fieldPath: b.fieldPath, value: decodeBound(b.value) })),
      order: source.order ?? "asc",
    };
  } else {
    const table = source.type === "FullTableScan" ? source.tableName : source.indexName.split(".")[0];
    const order = source.type === "FullTableScan" ? (source.order ?? "asc") : "asc";
    range = { component, table, index: "by_creation_time", fields: ["_creationTime", "_id"], bounds: [], order };
  }
  return { ...stream, range, consumed: 0, last: null, done: false };
}

/** The part of a query's range that was read, or null when none was. */
function readRange(query: OpenQuery): RangeRead | null {
  const cutByLimit = query.limit !== null && query.results >= query.limit;
  if (query.done && !cutByLimit) return query.range;
  if (query.last === null) return query.done ? query.range : null;
  return { ...query.range, upTo: indexKey(query.last, query.range.fields) };
}

function unique<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
