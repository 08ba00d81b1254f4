/**
 * Schedule triggers: rules that fire on a schedule, without any event.
 *
 * Every enabled rule with a `schedule` has one `ruleSchedules` row holding
 * its next slot and the id of the one scheduled `fireSchedule` for that slot.
 * `syncSchedule` keeps the rows in step with the rules (rules.ts calls it
 * wherever it calls `syncRoutes`): a disabled or deleted rule loses its row
 * and its scheduled fire is canceled; a changed schedule is rescheduled from
 * now; any other change leaves the pending slot alone.
 *
 * Exactly once per slot: a fire runs only when its slot is still the row's
 * `nextSlot`, and the same transaction records the execution and moves the
 * row to the next slot. A stale fire (canceled too late, or an old slot) or
 * a duplicate does nothing. Scheduled functions are durable, so a deployment
 * that was down when a slot came runs that slot's fire late, once; the slots
 * that passed meanwhile are coalesced into it (`missedSlots` in the event)
 * and the schedule continues with the first slot after now. Slots that pass
 * while a rule is disabled are skipped, not back-filled: enabling schedules
 * the first slot after the moment it is enabled.
 *
 * A fire that comes before its slot (the wake-up of a slot more than
 * `MAX_ARM_AHEAD_MS` away, or an early duplicate) only re-arms the slot.
 *
 * A fire has no client call in flight, so action and custom-condition
 * handlers come from `integrationHandlers`, stored from the config the
 * client sends with every rule change (clientConfig.ts).
 */
import { compareValues, v, type Value } from "convex/values";
import { internal } from "../_generated/api.js";
import type { Doc, Id } from "../_generated/dataModel.js";
import {
  internalMutation,
  query,
  type MutationCtx,
  type QueryCtx,
} from "../_generated/server.js";
import {
  vExecuteResult,
  vScheduleSpec,
  type ExecuteResult,
} from "../../shared.js";
import {
  countSlotsBetween,
  describeSlot,
  nextSlot,
  type ScheduleSpec,
} from "../../core/schedule.js";
import { sanitizeForStorage } from "../../core/sanitize.js";
import { enqueueRuns } from "./actions.js";
import { runRule, TRIGGER_DATA_MAX_BYTES, type ExecutionBase } from "./engine.js";
import { errorMessage } from "../lib/errors.js";
import { appendLog } from "../executions/records.js";

/** Slots a late fire counts as coalesced, at most (the count is informative). */
export const MAX_COUNTED_MISSED_SLOTS = 100;
/**
 * A fire is armed at most this far ahead; a slot further away (monthly,
 * once) is re-armed when this wake-up comes, which then does nothing else.
 * Timers of 2^31 ms (24.8 days) or more overflow in JavaScript runtimes,
 * convex-test's fake timers among them, and fire at once.
 */
export const MAX_ARM_AHEAD_MS = 20 * 24 * 60 * 60 * 1000;

/**
 * Makes the schedule of `ruleId` match `rule` (null when deleted): an
 * enabled rule with a schedule has a row and one scheduled fire for its next
 * slot; any other rule has neither.
 */
export async function syncSchedule(
  ctx: MutationCtx,
  ruleId: string,
  rule: Doc<"rules"> | null,
  /** `created`: the rule was inserted in this transaction, so it has no schedule yet. */
  options: { created?: boolean } = {},
): Promise<void> {
  const row = options.created === true ? null : await scheduleRow(ctx, ruleId);
  const spec = rule?.enabled ? rule.schedule : undefined;
  if (!rule || spec === undefined) {
    if (row) {
      await cancelFire(ctx, row);
      await ctx.db.delete("ruleSchedules", row._id);
    }
    return;
  }
  if (
    row &&
    sameValue(row.schedule, spec) &&
    row.integrationId === rule.integrationId &&
    row.namespace === rule.namespace
  ) {
    // Renamed, new actions, new conditions...: the pending slot stands.
    return;
  }
  if (row) await cancelFire(ctx, row);
  const fields = {
    ruleId,
    integrationId: rule.integrationId,
    namespace: rule.namespace,
    schedule: spec,
    ...(await scheduleFire(ctx, ruleId, nextSlot(spec, Date.now()))),
    ...(row?.lastSlot === undefined ? {} : { lastSlot: row.lastSlot }),
    ...(row?.lastFiredAt === undefined ? {} : { lastFiredAt: row.lastFiredAt }),
  };
  if (row) await ctx.db.replace("ruleSchedules", row._id, fields);
  else await ctx.db.insert("ruleSchedules", fields);
}

/**
 * Fires a rule's schedule for one slot: runs the rule (conditions as usual,
 * pattern not checked: there is no event to match) with an event describing
 * the slot, records the slot on the execution, and schedules the next slot.
 * Does nothing unless `slot` is the rule's pending slot.
 */
export const fireSchedule = internalMutation({
  args: { ruleId: v.string(), slot: v.number() },
  returns: v.union(vExecuteResult, v.null()),
  handler: async (ctx, args): Promise<ExecuteResult | null> => {
    const row = await scheduleRow(ctx, args.ruleId);
    // Stale (rescheduled, disabled, deleted) or already fired: nothing runs.
    if (!row || row.nextSlot !== args.slot) return null;
    const rule = await ctx.db
      .query("rules")
      .withIndex("by_rule_id", (q) => q.eq("id", args.ruleId))
      .unique();
    if (!rule || !rule.enabled || rule.schedule === undefined) {
      // syncSchedule keeps rows in step with rules; a leftover row goes.
      await ctx.db.delete("ruleSchedules", row._id);
      return null;
    }
    const now = Date.now();
    if (now < args.slot) {
      // A wake-up of a far slot (or an early duplicate): re-arm, run nothing.
      await cancelFire(ctx, row);
      await ctx.db.patch("ruleSchedules", row._id, await scheduleFire(ctx, args.ruleId, args.slot));
      return null;
    }
    const spec = row.schedule;
    let result: ExecuteResult | null = null;
    try {
      result = await runScheduledRule(ctx, rule, spec, args.slot, now);
    } catch (error) {
      // The next slot is scheduled whatever happened to this one: a fire
      // that throws must not end the schedule.
      console.error(`rules: schedule of rule "${args.ruleId}" at ${args.slot} failed: ${errorMessage(error)}`);
    }
    const next = nextSlot(spec, Math.max(now, args.slot));
    await ctx.db.replace("ruleSchedules", row._id, {
      ruleId: row.ruleId,
      integrationId: row.integrationId,
      namespace: row.namespace,
      schedule: spec,
      lastSlot: args.slot,
      lastFiredAt: now,
      ...(await scheduleFire(ctx, args.ruleId, next)),
    });
    return result;
  },
});

async function runScheduledRule(
  ctx: MutationCtx,
  rule: Doc<"rules">,
  spec: ScheduleSpec,
  slot: number,
  now: number,
): Promise<ExecuteResult> {
  const local = describeSlot(spec, slot);
  const missed = countSlotsBetween(spec, slot, now, MAX_COUNTED_MISSED_SLOTS);
  const event = {
    scheduledAt: slot,
    scheduledAtIso: local.iso,
    firedAt: now,
    timeZone: local.timeZone,
    localDate: local.localDate,
    localTime: local.localTime,
    localWeekday: local.localWeekday,
    ...(missed > 0 ? { missedSlots: missed } : {}),
    schedule: spec,
    triggerConfig: rule.triggerConfig,
  };
  const stored = sanitizeForStorage(event, { maxBytes: TRIGGER_DATA_MAX_BYTES, depthOffset: 1 });
  const base: ExecutionBase = {
    integrationId: rule.integrationId,
    namespace: rule.namespace,
    triggerType: rule.triggerType,
    eventId: `schedule:${slot}`,
    slot,
    chain: [],
    triggerData: stored.value,
    ...(stored.sanitized ? { triggerDataSanitized: true } : {}),
    startTime: now,
  };
  const registered = await ctx.db
    .query("integrationHandlers")
    .withIndex("by_integration", (q) => q.eq("integrationId", rule.integrationId))
    .unique();
  const handlers = registered?.handlers ?? { actions: {}, conditions: {} };
  const { result, run } = await runRule(
    ctx,
    {
      compiledKey: `${rule._id}:${rule.version}`,
      ruleId: rule.id,
      name: rule.name,
      version: rule.version,
      conditions: rule.conditions,
      actions: rule.actions,
    },
    { event, base, handlers, options: {} },
  );
  const executionId = result.executionId as Id<"ruleExecutions">;
  if (missed > 0) {
    await appendLog(ctx, executionId, {
      level: "warn",
      component: "trigger",
      message: `Fired late: ${missed}${missed >= MAX_COUNTED_MISSED_SLOTS ? "+" : ""} later slot(s) passed meanwhile and are coalesced into this fire`,
      data: { slot, firedAt: now },
    });
  }
  if (!registered && rule.actions.length > 0) {
    await appendLog(ctx, executionId, {
      level: "warn",
      component: "trigger",
      message: `No handlers registered for integration "${rule.integrationId}": scheduled fires find action handlers once a rule change through the client (create, update, import, enable) has sent them`,
    });
  }
  if (run) await enqueueRuns(ctx, [run]);
  return result;
}

/**
 * The schedule state of a rule: its next slot (absent when none is left) and
 * the last slot that fired. Null when the rule is not scheduled (no
 * schedule, disabled, or no such rule).
 */
export const getSchedule = query({
  args: { ruleId: v.string() },
  returns: v.union(
    v.object({
      ruleId: v.string(),
      schedule: vScheduleSpec,
      nextSlot: v.optional(v.number()),
      lastSlot: v.optional(v.number()),
      lastFiredAt: v.optional(v.number()),
    }),
    v.null(),
  ),
  handler: async (ctx, args) => {
    const row = await scheduleRow(ctx, args.ruleId);
    if (!row) return null;
    return {
      ruleId: row.ruleId,
      schedule: row.schedule,
      ...(row.nextSlot === undefined ? {} : { nextSlot: row.nextSlot }),
      ...(row.lastSlot === undefined ? {} : { lastSlot: row.lastSlot }),
      ...(row.lastFiredAt === undefined ? {} : { lastFiredAt: row.lastFiredAt }),
    };
  },
});

// --- helpers -------------------------------------------------------------

async function scheduleRow(ctx: QueryCtx, ruleId: string) {
  return await ctx.db
    .query("ruleSchedules")
    .withIndex("by_rule", (q) => q.eq("ruleId", ruleId))
    .unique();
}

/**
 * Schedules the fire of `slot` (or a wake-up on the way, for a far slot); no
 * fire when the schedule has no slot left.
 */
async function scheduleFire(
  ctx: MutationCtx,
  ruleId: string,
  slot: number | null,
): Promise<{ nextSlot?: number; scheduledFunctionId?: Id<"_scheduled_functions"> }> {
  if (slot === null) return {};
  const runAt = Math.min(slot, Date.now() + MAX_ARM_AHEAD_MS);
  const scheduledFunctionId = await ctx.scheduler.runAt(runAt, internal.dispatch.schedules.fireSchedule, {
    ruleId,
    slot,
  });
  return { nextSlot: slot, scheduledFunctionId };
}

/**
 * Cancels a row's pending fire. A fire that already started or finished is
 * left alone: it finds the row changed and does nothing.
 */
async function cancelFire(ctx: MutationCtx, row: Doc<"ruleSchedules">) {
  if (row.scheduledFunctionId === undefined) return;
  const job = await ctx.db.system.get("_scheduled_functions", row.scheduledFunctionId);
  if (job?.state.kind === "pending") await ctx.scheduler.cancel(row.scheduledFunctionId);
}

function sameValue(a: unknown, b: unknown): boolean {
  return compareValues(a as Value, b as Value) === 0;
}
