/**
 * The component's own cron jobs (components may define crons, like an
 * app's convex/crons.ts): the retention cleanup, hourly. A run that is
 * still going when the next hour comes is left alone (see retention/cleanup.ts).
 */
import { cronJobs } from "convex/server";
import { internal } from "./_generated/api.js";

/** How often the retention cleanup starts. */
export const CLEANUP_INTERVAL = { hours: 1 } as const;

const crons = cronJobs();

crons.interval("rules retention cleanup", CLEANUP_INTERVAL, internal.retention.cleanup.startCleanup, {});

export default crons;
