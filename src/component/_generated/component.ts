/* eslint-disable */
/**
 * Generated `ComponentApi` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type { FunctionReference } from "convex/server";

/**
 * A utility for referencing a Convex component's exposed API.
 *
 * Useful when expecting a parameter like `components.myComponent`.
 * Usage:
 * ```ts
 * async function myFunction(ctx: QueryCtx, component: ComponentApi) {
 *   return ctx.runQuery(component.someFile.someQuery, { ...args });
 * }
 * ```
 */
export type ComponentApi<Name extends string | undefined = string | undefined> =
  {
    dispatch: {
      actions: {
        replayExecution: FunctionReference<
          "mutation",
          "internal",
          { executionId: string },
          {
            executionId: string;
            status:
              | "running"
              | "succeeded"
              | "failed"
              | "skipped"
              | "loop_blocked"
              | "duplicate"
              | "rate_limited";
            replayed: Array<string>;
          },
          Name
        >;
      };
      engine: {
        execute: FunctionReference<
          "mutation",
          "internal",
          {
            integrationId: string;
            triggerType: string;
            event: any;
            eventId?: string;
            namespace?: string;
            causedBy?: string;
            handlers?: {
              actions: Record<
                string,
                {
                  handle: string;
                  kind: "mutation" | "action";
                  retry?: {
                    maxAttempts: number;
                    initialBackoffMs: number;
                    base: number;
                  } | null;
                }
              >;
              conditions: Record<string, { handle: string }>;
              http?: {
                allowedHosts: Array<string>;
                allowHttp?: boolean;
                retry?: {
                  maxAttempts: number;
                  initialBackoffMs: number;
                  base: number;
                } | null;
              };
            };
            eventSanitized?: boolean;
            options?: {
              maxRulesPerEvent?: number;
              maxDepth?: number;
              defaultRetry?: {
                maxAttempts: number;
                initialBackoffMs: number;
                base: number;
              };
              logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
              monitoring?: {
                stats?: boolean;
                consecutiveFailures?: number;
                disableOnFatal?: boolean;
              };
            };
          },
          Array<{
            executionId: string;
            ruleId: string;
            status:
              | "running"
              | "succeeded"
              | "failed"
              | "skipped"
              | "loop_blocked"
              | "duplicate"
              | "rate_limited";
          }>,
          Name
        >;
      };
      quotas: {
        getQuota: FunctionReference<
          "query",
          "internal",
          { integrationId: string; namespace?: string },
          {
            integrationId: string;
            namespace?: string;
            perMinute?: number;
            perHour?: number;
            perMonth?: number;
            whenExceeded: "reject" | "wait";
            updatedAt: number;
          } | null,
          Name
        >;
        getQuotaUsage: FunctionReference<
          "query",
          "internal",
          { integrationId: string; namespace?: string },
          {
            quota: {
              integrationId: string;
              namespace?: string;
              perMinute?: number;
              perHour?: number;
              perMonth?: number;
              whenExceeded: "reject" | "wait";
              updatedAt: number;
            };
            inherited: boolean;
            windows: Array<{
              window: "minute" | "hour" | "month";
              limit: number;
              used: number;
              remaining: number;
              windowStart: number;
              windowEnd: number;
            }>;
          } | null,
          Name
        >;
        removeQuota: FunctionReference<
          "mutation",
          "internal",
          { integrationId: string; namespace?: string },
          boolean,
          Name
        >;
        setQuota: FunctionReference<
          "mutation",
          "internal",
          {
            integrationId: string;
            namespace?: string;
            perMinute?: number;
            perHour?: number;
            perMonth?: number;
            whenExceeded?: "reject" | "wait";
          },
          {
            integrationId: string;
            namespace?: string;
            perMinute?: number;
            perHour?: number;
            perMonth?: number;
            whenExceeded: "reject" | "wait";
            updatedAt: number;
          },
          Name
        >;
      };
      schedules: {
        getSchedule: FunctionReference<
          "query",
          "internal",
          { ruleId: string },
          {
            ruleId: string;
            schedule:
              | { every: { minutes: number } | { hours: number } }
              | { daily: { at: string; timeZone?: string } }
              | { weekly: { weekday: number; at: string; timeZone?: string } }
              | { monthly: { day: number; at: string; timeZone?: string } }
              | {
                  once: {
                    date: string;
                    offsetDays?: number;
                    at?: string;
                    timeZone?: string;
                  };
                };
            nextSlot?: number;
            lastSlot?: number;
            lastFiredAt?: number;
          } | null,
          Name
        >;
      };
      testRule: {
        testRule: FunctionReference<
          "query",
          "internal",
          {
            ruleId?: string;
            rule?: {
              id?: string;
              name: string;
              description?: string;
              enabled?: boolean;
              integrationId: string;
              namespace?: string;
              priority?: number;
              triggerType: string;
              triggerConfig: any;
              triggerPattern?: any;
              schedule?: any;
              conditions?: Array<{ id?: string; type: string; config: any }>;
              actions: Array<{
                id?: string;
                type: string;
                config: any;
                onError?: "stop" | "continue";
              }>;
              metadata?: any;
            };
            event: any;
            handlers?: {
              actions: Record<
                string,
                {
                  handle: string;
                  kind: "mutation" | "action";
                  retry?: {
                    maxAttempts: number;
                    initialBackoffMs: number;
                    base: number;
                  } | null;
                }
              >;
              conditions: Record<string, { handle: string }>;
              http?: {
                allowedHosts: Array<string>;
                allowHttp?: boolean;
                retry?: {
                  maxAttempts: number;
                  initialBackoffMs: number;
                  base: number;
                } | null;
              };
            };
            now?: number;
          },
          {
            patternMatched: boolean;
            conditionsMet: boolean;
            wouldRun: boolean;
            explanation: Array<any>;
            actions: Array<{
              id: string;
              type: string;
              config?: any;
              error?: string;
            }>;
          },
          Name
        >;
      };
    };
    executions: {
      health: {
        getRuleHealth: FunctionReference<
          "query",
          "internal",
          {
            integrationId: string;
            namespace?: string;
            failedWithinMs?: number;
            idleDays?: number;
            limit?: number;
            cursor?: string | null;
          },
          {
            rules: Array<{
              ruleId: string;
              name: string;
              enabled: boolean;
              triggerType: string;
              problems: Array<"failing" | "auto_disabled" | "idle">;
              failed: number;
              consecutiveFailures: number;
              lastRunAt?: number;
              lastSuccessAt?: number;
              lastFailureAt?: number;
              lastError?: string;
              autoDisabled?: boolean;
              disabledReason?: string;
              disabledAt?: number;
              lastEventAt?: number;
            }>;
            scanned: number;
            isDone: boolean;
            continueCursor: string | null;
          },
          Name
        >;
      };
      queries: {
        getExecution: FunctionReference<
          "query",
          "internal",
          { executionId: string },
          {
            executionId: string;
            ruleId: string;
            ruleName: string;
            ruleVersion: number;
            integrationId: string;
            namespace: string;
            triggerType: string;
            eventId?: string;
            slot?: number;
            triggered: boolean;
            conditionsMet: boolean;
            successful: boolean;
            status:
              | "running"
              | "succeeded"
              | "failed"
              | "skipped"
              | "loop_blocked"
              | "duplicate"
              | "rate_limited";
            startTime: number;
            endTime?: number;
            triggerData: any;
            triggerDataSanitized?: boolean;
            explanation?: any;
            actions: Array<{
              id: string;
              type: string;
              onError: "stop" | "continue";
              status:
                | "pending"
                | "running"
                | "succeeded"
                | "failed"
                | "skipped";
              attempts: number;
              config?: any;
              startedAt?: number;
              endedAt?: number;
              result?: any;
              error?: string;
            }>;
            causedBy?: string;
            chain: Array<string>;
            resultData?: any;
            error?: string;
            logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
          } | null,
          Name
        >;
        getRuleExecutions: FunctionReference<
          "query",
          "internal",
          { ruleId: string; limit?: number },
          Array<{
            executionId: string;
            ruleId: string;
            ruleName: string;
            ruleVersion: number;
            integrationId: string;
            namespace: string;
            triggerType: string;
            eventId?: string;
            slot?: number;
            triggered: boolean;
            conditionsMet: boolean;
            successful: boolean;
            status:
              | "running"
              | "succeeded"
              | "failed"
              | "skipped"
              | "loop_blocked"
              | "duplicate"
              | "rate_limited";
            startTime: number;
            endTime?: number;
            triggerData: any;
            triggerDataSanitized?: boolean;
            explanation?: any;
            actions: Array<{
              id: string;
              type: string;
              onError: "stop" | "continue";
              status:
                | "pending"
                | "running"
                | "succeeded"
                | "failed"
                | "skipped";
              attempts: number;
              config?: any;
              startedAt?: number;
              endedAt?: number;
              result?: any;
              error?: string;
            }>;
            causedBy?: string;
            chain: Array<string>;
            resultData?: any;
            error?: string;
            logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
          }>,
          Name
        >;
        listExecutions: FunctionReference<
          "query",
          "internal",
          {
            integrationId: string;
            namespace?: string;
            paginationOpts: {
              numItems: number;
              cursor: string | null;
              endCursor?: string | null;
              id?: number;
              maximumRowsRead?: number;
              maximumBytesRead?: number;
            };
            status?:
              | "running"
              | "succeeded"
              | "failed"
              | "skipped"
              | "loop_blocked"
              | "duplicate"
              | "rate_limited";
          },
          {
            page: Array<{
              executionId: string;
              ruleId: string;
              ruleName: string;
              ruleVersion: number;
              integrationId: string;
              namespace: string;
              triggerType: string;
              eventId?: string;
              slot?: number;
              triggered: boolean;
              conditionsMet: boolean;
              successful: boolean;
              status:
                | "running"
                | "succeeded"
                | "failed"
                | "skipped"
                | "loop_blocked"
                | "duplicate"
                | "rate_limited";
              startTime: number;
              endTime?: number;
              triggerData: any;
              triggerDataSanitized?: boolean;
              explanation?: any;
              actions: Array<{
                id: string;
                type: string;
                onError: "stop" | "continue";
                status:
                  | "pending"
                  | "running"
                  | "succeeded"
                  | "failed"
                  | "skipped";
                attempts: number;
                config?: any;
                startedAt?: number;
                endedAt?: number;
                result?: any;
                error?: string;
              }>;
              causedBy?: string;
              chain: Array<string>;
              resultData?: any;
              error?: string;
              logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
            }>;
            continueCursor: string;
            isDone: boolean;
            splitCursor?: string | null;
            pageStatus?: "SplitRecommended" | "SplitRequired" | null;
          },
          Name
        >;
        listRuleExecutions: FunctionReference<
          "query",
          "internal",
          {
            ruleId: string;
            paginationOpts: {
              numItems: number;
              cursor: string | null;
              endCursor?: string | null;
              id?: number;
              maximumRowsRead?: number;
              maximumBytesRead?: number;
            };
          },
          {
            page: Array<{
              executionId: string;
              ruleId: string;
              ruleName: string;
              ruleVersion: number;
              integrationId: string;
              namespace: string;
              triggerType: string;
              eventId?: string;
              slot?: number;
              triggered: boolean;
              conditionsMet: boolean;
              successful: boolean;
              status:
                | "running"
                | "succeeded"
                | "failed"
                | "skipped"
                | "loop_blocked"
                | "duplicate"
                | "rate_limited";
              startTime: number;
              endTime?: number;
              triggerData: any;
              triggerDataSanitized?: boolean;
              explanation?: any;
              actions: Array<{
                id: string;
                type: string;
                onError: "stop" | "continue";
                status:
                  | "pending"
                  | "running"
                  | "succeeded"
                  | "failed"
                  | "skipped";
                attempts: number;
                config?: any;
                startedAt?: number;
                endedAt?: number;
                result?: any;
                error?: string;
              }>;
              causedBy?: string;
              chain: Array<string>;
              resultData?: any;
              error?: string;
              logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
            }>;
            continueCursor: string;
            isDone: boolean;
            splitCursor?: string | null;
            pageStatus?: "SplitRecommended" | "SplitRequired" | null;
          },
          Name
        >;
      };
      stats: {
        getRulesStats: FunctionReference<
          "query",
          "internal",
          { ruleIds: Array<string> },
          Array<{
            ruleId: string;
            runs: number;
            succeeded: number;
            failed: number;
            skipped: number;
            loopBlocked: number;
            other: number;
            consecutiveFailures: number;
            lastRunAt?: number;
            lastSuccessAt?: number;
            lastFailureAt?: number;
            lastError?: string;
            averageDurationMs?: number;
            complete: boolean;
          } | null>,
          Name
        >;
        getRuleStats: FunctionReference<
          "query",
          "internal",
          { ruleId: string },
          {
            ruleId: string;
            runs: number;
            succeeded: number;
            failed: number;
            skipped: number;
            loopBlocked: number;
            other: number;
            consecutiveFailures: number;
            lastRunAt?: number;
            lastSuccessAt?: number;
            lastFailureAt?: number;
            lastError?: string;
            averageDurationMs?: number;
            complete: boolean;
          } | null,
          Name
        >;
      };
    };
    lib: {
      logging: {
        getLogLevel: FunctionReference<
          "query",
          "internal",
          {},
          "DEBUG" | "INFO" | "WARN" | "ERROR",
          Name
        >;
      };
    };
    logs: {
      getExecutionLogs: FunctionReference<
        "query",
        "internal",
        { executionId: string; limit?: number },
        Array<{
          executionId: string;
          timestamp: number;
          level: "debug" | "info" | "warn" | "error";
          message: string;
          data?: any;
          component: "trigger" | "condition" | "action";
          componentId?: string;
        }>,
        Name
      >;
    };
    retention: {
      cleanup: {
        getCleanupStatus: FunctionReference<
          "query",
          "internal",
          {},
          {
            running: {
              startedAt: number;
              trigger: "cron" | "manual";
              since?: number;
              logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
              completedAt?: number;
              lastBatchAt: number;
              batches: number;
              rulesChecked: number;
              executionsDeleted: number;
              logsDeleted: number;
              eventsDeleted: number;
            } | null;
            lastRun: {
              startedAt: number;
              trigger: "cron" | "manual";
              since?: number;
              logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
              completedAt?: number;
              lastBatchAt: number;
              batches: number;
              rulesChecked: number;
              executionsDeleted: number;
              logsDeleted: number;
              eventsDeleted: number;
            } | null;
            fullCheckRequested: boolean;
          },
          Name
        >;
        runCleanup: FunctionReference<
          "mutation",
          "internal",
          { logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR" },
          { started: boolean; runStartedAt: number },
          Name
        >;
      };
      settings: {
        clearRetention: FunctionReference<
          "mutation",
          "internal",
          { integrationId: string; namespace?: string; ruleId?: string },
          null,
          Name
        >;
        getRetention: FunctionReference<
          "query",
          "internal",
          { integrationId: string; namespace?: string; ruleId?: string },
          {
            days: number;
            failedDays: number;
            maxPerOutcome: number;
            sources: {
              days: "rule" | "namespace" | "integration" | "default";
              failedDays: "rule" | "namespace" | "integration" | "default";
              maxPerOutcome: "rule" | "namespace" | "integration" | "default";
            };
            stored: {
              days?: number;
              failedDays?: number;
              maxPerOutcome?: number;
            } | null;
          },
          Name
        >;
        listRetention: FunctionReference<
          "query",
          "internal",
          { integrationId: string },
          Array<{
            integrationId: string;
            namespace: string | null;
            ruleId: string | null;
            days?: number;
            failedDays?: number;
            maxPerOutcome?: number;
            updatedAt: number;
          }>,
          Name
        >;
        setRetention: FunctionReference<
          "mutation",
          "internal",
          {
            integrationId: string;
            namespace?: string;
            ruleId?: string;
            days?: number | null;
            failedDays?: number | null;
            maxPerOutcome?: number | null;
          },
          {
            days: number;
            failedDays: number;
            maxPerOutcome: number;
            sources: {
              days: "rule" | "namespace" | "integration" | "default";
              failedDays: "rule" | "namespace" | "integration" | "default";
              maxPerOutcome: "rule" | "namespace" | "integration" | "default";
            };
            stored: {
              days?: number;
              failedDays?: number;
              maxPerOutcome?: number;
            } | null;
          },
          Name
        >;
      };
    };
    rules: {
      createRule: FunctionReference<
        "mutation",
        "internal",
        {
          id?: string;
          name: string;
          description?: string;
          enabled?: boolean;
          integrationId: string;
          namespace?: string;
          priority?: number;
          triggerType: string;
          triggerConfig: any;
          triggerPattern?: any;
          schedule?: any;
          conditions?: Array<{ id?: string; type: string; config: any }>;
          actions: Array<{
            id?: string;
            type: string;
            config: any;
            onError?: "stop" | "continue";
          }>;
          metadata?: any;
          actor?: string;
          config?: {
            handlers?: Record<
              string,
              {
                actions: Record<
                  string,
                  {
                    handle: string;
                    kind: "mutation" | "action";
                    retry?: {
                      maxAttempts: number;
                      initialBackoffMs: number;
                      base: number;
                    } | null;
                  }
                >;
                conditions: Record<string, { handle: string }>;
                http?: {
                  allowedHosts: Array<string>;
                  allowHttp?: boolean;
                  retry?: {
                    maxAttempts: number;
                    initialBackoffMs: number;
                    base: number;
                  } | null;
                };
              }
            >;
            logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
          };
        },
        string,
        Name
      >;
      deleteRule: FunctionReference<
        "mutation",
        "internal",
        { ruleId: string },
        null,
        Name
      >;
      disableRule: FunctionReference<
        "mutation",
        "internal",
        { ruleId: string; expectedVersion?: number; actor?: string },
        null,
        Name
      >;
      enableRule: FunctionReference<
        "mutation",
        "internal",
        {
          ruleId: string;
          expectedVersion?: number;
          actor?: string;
          config?: {
            handlers?: Record<
              string,
              {
                actions: Record<
                  string,
                  {
                    handle: string;
                    kind: "mutation" | "action";
                    retry?: {
                      maxAttempts: number;
                      initialBackoffMs: number;
                      base: number;
                    } | null;
                  }
                >;
                conditions: Record<string, { handle: string }>;
                http?: {
                  allowedHosts: Array<string>;
                  allowHttp?: boolean;
                  retry?: {
                    maxAttempts: number;
                    initialBackoffMs: number;
                    base: number;
                  } | null;
                };
              }
            >;
            logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
          };
        },
        null,
        Name
      >;
      exportRules: FunctionReference<
        "query",
        "internal",
        {
          integrationId: string;
          namespace?: string;
          paginationOpts: {
            numItems: number;
            cursor: string | null;
            endCursor?: string | null;
            id?: number;
            maximumRowsRead?: number;
            maximumBytesRead?: number;
          };
        },
        {
          page: Array<{
            id: string;
            name: string;
            description?: string;
            enabled: boolean;
            integrationId: string;
            namespace: string;
            priority: number;
            triggerType: string;
            triggerConfig: any;
            triggerPattern?: any;
            schedule?:
              | { every: { minutes: number } | { hours: number } }
              | { daily: { at: string; timeZone?: string } }
              | { weekly: { weekday: number; at: string; timeZone?: string } }
              | { monthly: { day: number; at: string; timeZone?: string } }
              | {
                  once: {
                    date: string;
                    offsetDays?: number;
                    at?: string;
                    timeZone?: string;
                  };
                };
            conditions: Array<{ id?: string; type: string; config: any }>;
            actions: Array<{
              id?: string;
              type: string;
              config: any;
              onError?: "stop" | "continue";
            }>;
            metadata?: any;
          }>;
          continueCursor: string;
          isDone: boolean;
          splitCursor?: string | null;
          pageStatus?: "SplitRecommended" | "SplitRequired" | null;
        },
        Name
      >;
      getRule: FunctionReference<
        "query",
        "internal",
        { ruleId: string },
        {
          ruleId: string;
          name: string;
          description?: string;
          enabled: boolean;
          integrationId: string;
          namespace: string;
          priority: number;
          triggerType: string;
          triggerConfig: any;
          triggerPattern?: any;
          schedule?:
            | { every: { minutes: number } | { hours: number } }
            | { daily: { at: string; timeZone?: string } }
            | { weekly: { weekday: number; at: string; timeZone?: string } }
            | { monthly: { day: number; at: string; timeZone?: string } }
            | {
                once: {
                  date: string;
                  offsetDays?: number;
                  at?: string;
                  timeZone?: string;
                };
              };
          conditions: Array<{ id: string; type: string; config: any }>;
          actions: Array<{
            id: string;
            type: string;
            config: any;
            onError?: "stop" | "continue";
          }>;
          metadata?: any;
          version: number;
          createdAt: number;
          updatedAt: number;
          autoDisabled?: boolean;
          disabledReason?: string;
          disabledAt?: number;
        } | null,
        Name
      >;
      getRulesByIntegration: FunctionReference<
        "query",
        "internal",
        {
          integrationId: string;
          namespace?: string;
          enabled?: boolean;
          limit?: number;
        },
        Array<{
          ruleId: string;
          name: string;
          description?: string;
          enabled: boolean;
          integrationId: string;
          namespace: string;
          priority: number;
          triggerType: string;
          triggerConfig: any;
          triggerPattern?: any;
          schedule?:
            | { every: { minutes: number } | { hours: number } }
            | { daily: { at: string; timeZone?: string } }
            | { weekly: { weekday: number; at: string; timeZone?: string } }
            | { monthly: { day: number; at: string; timeZone?: string } }
            | {
                once: {
                  date: string;
                  offsetDays?: number;
                  at?: string;
                  timeZone?: string;
                };
              };
          conditions: Array<{ id: string; type: string; config: any }>;
          actions: Array<{
            id: string;
            type: string;
            config: any;
            onError?: "stop" | "continue";
          }>;
          metadata?: any;
          version: number;
          createdAt: number;
          updatedAt: number;
          autoDisabled?: boolean;
          disabledReason?: string;
          disabledAt?: number;
        }>,
        Name
      >;
      importRules: FunctionReference<
        "mutation",
        "internal",
        {
          rules: Array<{
            id?: string;
            name: string;
            description?: string;
            enabled?: boolean;
            integrationId: string;
            namespace?: string;
            priority?: number;
            triggerType: string;
            triggerConfig: any;
            triggerPattern?: any;
            schedule?: any;
            conditions?: Array<{ id?: string; type: string; config: any }>;
            actions: Array<{
              id?: string;
              type: string;
              config: any;
              onError?: "stop" | "continue";
            }>;
            metadata?: any;
          }>;
          actor?: string;
          config?: {
            handlers?: Record<
              string,
              {
                actions: Record<
                  string,
                  {
                    handle: string;
                    kind: "mutation" | "action";
                    retry?: {
                      maxAttempts: number;
                      initialBackoffMs: number;
                      base: number;
                    } | null;
                  }
                >;
                conditions: Record<string, { handle: string }>;
                http?: {
                  allowedHosts: Array<string>;
                  allowHttp?: boolean;
                  retry?: {
                    maxAttempts: number;
                    initialBackoffMs: number;
                    base: number;
                  } | null;
                };
              }
            >;
            logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
          };
        },
        {
          created: number;
          updated: number;
          unchanged: number;
          ruleIds: Array<string>;
        },
        Name
      >;
      listRules: FunctionReference<
        "query",
        "internal",
        {
          integrationId: string;
          namespace?: string;
          paginationOpts: {
            numItems: number;
            cursor: string | null;
            endCursor?: string | null;
            id?: number;
            maximumRowsRead?: number;
            maximumBytesRead?: number;
          };
          enabled?: boolean;
        },
        {
          page: Array<{
            ruleId: string;
            name: string;
            description?: string;
            enabled: boolean;
            integrationId: string;
            namespace: string;
            priority: number;
            triggerType: string;
            triggerConfig: any;
            triggerPattern?: any;
            schedule?:
              | { every: { minutes: number } | { hours: number } }
              | { daily: { at: string; timeZone?: string } }
              | { weekly: { weekday: number; at: string; timeZone?: string } }
              | { monthly: { day: number; at: string; timeZone?: string } }
              | {
                  once: {
                    date: string;
                    offsetDays?: number;
                    at?: string;
                    timeZone?: string;
                  };
                };
            conditions: Array<{ id: string; type: string; config: any }>;
            actions: Array<{
              id: string;
              type: string;
              config: any;
              onError?: "stop" | "continue";
            }>;
            metadata?: any;
            version: number;
            createdAt: number;
            updatedAt: number;
            autoDisabled?: boolean;
            disabledReason?: string;
            disabledAt?: number;
          }>;
          continueCursor: string;
          isDone: boolean;
          splitCursor?: string | null;
          pageStatus?: "SplitRecommended" | "SplitRequired" | null;
        },
        Name
      >;
      migrations: {
        getRuleByLegacyId: FunctionReference<
          "query",
          "internal",
          { legacyId: string },
          {
            ruleId: string;
            name: string;
            description?: string;
            enabled: boolean;
            integrationId: string;
            namespace: string;
            priority: number;
            triggerType: string;
            triggerConfig: any;
            triggerPattern?: any;
            schedule?:
              | { every: { minutes: number } | { hours: number } }
              | { daily: { at: string; timeZone?: string } }
              | { weekly: { weekday: number; at: string; timeZone?: string } }
              | { monthly: { day: number; at: string; timeZone?: string } }
              | {
                  once: {
                    date: string;
                    offsetDays?: number;
                    at?: string;
                    timeZone?: string;
                  };
                };
            conditions: Array<{ id: string; type: string; config: any }>;
            actions: Array<{
              id: string;
              type: string;
              config: any;
              onError?: "stop" | "continue";
            }>;
            metadata?: any;
            version: number;
            createdAt: number;
            updatedAt: number;
            autoDisabled?: boolean;
            disabledReason?: string;
            disabledAt?: number;
          } | null,
          Name
        >;
        importLegacyRule: FunctionReference<
          "mutation",
          "internal",
          {
            entry: {
              legacyId: string;
              rule: {
                id?: string;
                name: string;
                description?: string;
                enabled?: boolean;
                integrationId: string;
                namespace?: string;
                priority?: number;
                triggerType: string;
                triggerConfig: any;
                triggerPattern?: any;
                schedule?: any;
                conditions?: Array<{ id?: string; type: string; config: any }>;
                actions: Array<{
                  id?: string;
                  type: string;
                  config: any;
                  onError?: "stop" | "continue";
                }>;
                metadata?: any;
              };
              createdAt?: number;
              unmappedReason?: string;
            };
            logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
            config?: {
              handlers?: Record<
                string,
                {
                  actions: Record<
                    string,
                    {
                      handle: string;
                      kind: "mutation" | "action";
                      retry?: {
                        maxAttempts: number;
                        initialBackoffMs: number;
                        base: number;
                      } | null;
                    }
                  >;
                  conditions: Record<string, { handle: string }>;
                  http?: {
                    allowedHosts: Array<string>;
                    allowHttp?: boolean;
                    retry?: {
                      maxAttempts: number;
                      initialBackoffMs: number;
                      base: number;
                    } | null;
                  };
                }
              >;
              logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
            };
          },
          {
            legacyId: string;
            ruleId: string;
            outcome: "created" | "updated" | "unchanged";
            changedFields?: Array<string>;
            unmappedReason?: string;
          },
          Name
        >;
        listMigratedRules: FunctionReference<
          "query",
          "internal",
          { cursor: string | null; limit?: number; unmappedOnly?: boolean },
          {
            page: Array<{
              legacyId: string;
              ruleId: string;
              name: string;
              enabled: boolean;
              unmappedReason?: string;
            }>;
            continueCursor: string;
            isDone: boolean;
            splitCursor?: string | null;
            pageStatus?: "SplitRecommended" | "SplitRequired" | null;
          },
          Name
        >;
      };
      updateRule: FunctionReference<
        "mutation",
        "internal",
        {
          ruleId: string;
          expectedVersion?: number;
          integrationId?: string;
          actor?: string;
          name?: string;
          description?: string | null;
          enabled?: boolean;
          priority?: number;
          triggerType?: string;
          triggerConfig?: any;
          triggerPattern?: any | null;
          schedule?: any | null;
          conditions?: Array<{ id?: string; type: string; config: any }>;
          actions?: Array<{
            id?: string;
            type: string;
            config: any;
            onError?: "stop" | "continue";
          }>;
          metadata?: any | null;
          config?: {
            handlers?: Record<
              string,
              {
                actions: Record<
                  string,
                  {
                    handle: string;
                    kind: "mutation" | "action";
                    retry?: {
                      maxAttempts: number;
                      initialBackoffMs: number;
                      base: number;
                    } | null;
                  }
                >;
                conditions: Record<string, { handle: string }>;
                http?: {
                  allowedHosts: Array<string>;
                  allowHttp?: boolean;
                  retry?: {
                    maxAttempts: number;
                    initialBackoffMs: number;
                    base: number;
                  } | null;
                };
              }
            >;
            logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
          };
        },
        {
          ruleId: string;
          name: string;
          description?: string;
          enabled: boolean;
          integrationId: string;
          namespace: string;
          priority: number;
          triggerType: string;
          triggerConfig: any;
          triggerPattern?: any;
          schedule?:
            | { every: { minutes: number } | { hours: number } }
            | { daily: { at: string; timeZone?: string } }
            | { weekly: { weekday: number; at: string; timeZone?: string } }
            | { monthly: { day: number; at: string; timeZone?: string } }
            | {
                once: {
                  date: string;
                  offsetDays?: number;
                  at?: string;
                  timeZone?: string;
                };
              };
          conditions: Array<{ id: string; type: string; config: any }>;
          actions: Array<{
            id: string;
            type: string;
            config: any;
            onError?: "stop" | "continue";
          }>;
          metadata?: any;
          version: number;
          createdAt: number;
          updatedAt: number;
          autoDisabled?: boolean;
          disabledReason?: string;
          disabledAt?: number;
        },
        Name
      >;
      versions: {
        getExecutionRuleVersion: FunctionReference<
          "query",
          "internal",
          { executionId: string },
          {
            ruleId: string;
            version: number;
            changedAt: number;
            actor?: string;
            operation:
              | "create"
              | "update"
              | "enable"
              | "disable"
              | "import"
              | "rollback"
              | "unrecorded";
            changes: Array<string>;
            rollbackOf?: number;
            rule: {
              id: string;
              name: string;
              description?: string;
              enabled: boolean;
              integrationId: string;
              namespace: string;
              priority: number;
              triggerType: string;
              triggerConfig: any;
              triggerPattern?: any;
              schedule?:
                | { every: { minutes: number } | { hours: number } }
                | { daily: { at: string; timeZone?: string } }
                | { weekly: { weekday: number; at: string; timeZone?: string } }
                | { monthly: { day: number; at: string; timeZone?: string } }
                | {
                    once: {
                      date: string;
                      offsetDays?: number;
                      at?: string;
                      timeZone?: string;
                    };
                  };
              conditions: Array<{ id?: string; type: string; config: any }>;
              actions: Array<{
                id?: string;
                type: string;
                config: any;
                onError?: "stop" | "continue";
              }>;
              metadata?: any;
            };
          } | null,
          Name
        >;
        getRuleVersion: FunctionReference<
          "query",
          "internal",
          { ruleId: string; version: number },
          {
            ruleId: string;
            version: number;
            changedAt: number;
            actor?: string;
            operation:
              | "create"
              | "update"
              | "enable"
              | "disable"
              | "import"
              | "rollback"
              | "unrecorded";
            changes: Array<string>;
            rollbackOf?: number;
            rule: {
              id: string;
              name: string;
              description?: string;
              enabled: boolean;
              integrationId: string;
              namespace: string;
              priority: number;
              triggerType: string;
              triggerConfig: any;
              triggerPattern?: any;
              schedule?:
                | { every: { minutes: number } | { hours: number } }
                | { daily: { at: string; timeZone?: string } }
                | { weekly: { weekday: number; at: string; timeZone?: string } }
                | { monthly: { day: number; at: string; timeZone?: string } }
                | {
                    once: {
                      date: string;
                      offsetDays?: number;
                      at?: string;
                      timeZone?: string;
                    };
                  };
              conditions: Array<{ id?: string; type: string; config: any }>;
              actions: Array<{
                id?: string;
                type: string;
                config: any;
                onError?: "stop" | "continue";
              }>;
              metadata?: any;
            };
          } | null,
          Name
        >;
        listRuleVersions: FunctionReference<
          "query",
          "internal",
          {
            ruleId: string;
            paginationOpts: {
              numItems: number;
              cursor: string | null;
              endCursor?: string | null;
              id?: number;
              maximumRowsRead?: number;
              maximumBytesRead?: number;
            };
          },
          {
            page: Array<{
              ruleId: string;
              version: number;
              changedAt: number;
              actor?: string;
              operation:
                | "create"
                | "update"
                | "enable"
                | "disable"
                | "import"
                | "rollback"
                | "unrecorded";
              changes: Array<string>;
              rollbackOf?: number;
              rule: {
                id: string;
                name: string;
                description?: string;
                enabled: boolean;
                integrationId: string;
                namespace: string;
                priority: number;
                triggerType: string;
                triggerConfig: any;
                triggerPattern?: any;
                schedule?:
                  | { every: { minutes: number } | { hours: number } }
                  | { daily: { at: string; timeZone?: string } }
                  | {
                      weekly: {
                        weekday: number;
                        at: string;
                        timeZone?: string;
                      };
                    }
                  | { monthly: { day: number; at: string; timeZone?: string } }
                  | {
                      once: {
                        date: string;
                        offsetDays?: number;
                        at?: string;
                        timeZone?: string;
                      };
                    };
                conditions: Array<{ id?: string; type: string; config: any }>;
                actions: Array<{
                  id?: string;
                  type: string;
                  config: any;
                  onError?: "stop" | "continue";
                }>;
                metadata?: any;
              };
            }>;
            continueCursor: string;
            isDone: boolean;
            splitCursor?: string | null;
            pageStatus?: "SplitRecommended" | "SplitRequired" | null;
          },
          Name
        >;
        rollbackRule: FunctionReference<
          "mutation",
          "internal",
          {
            ruleId: string;
            version: number;
            expectedVersion?: number;
            actor?: string;
            config?: {
              handlers?: Record<
                string,
                {
                  actions: Record<
                    string,
                    {
                      handle: string;
                      kind: "mutation" | "action";
                      retry?: {
                        maxAttempts: number;
                        initialBackoffMs: number;
                        base: number;
                      } | null;
                    }
                  >;
                  conditions: Record<string, { handle: string }>;
                  http?: {
                    allowedHosts: Array<string>;
                    allowHttp?: boolean;
                    retry?: {
                      maxAttempts: number;
                      initialBackoffMs: number;
                      base: number;
                    } | null;
                  };
                }
              >;
              logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
            };
          },
          {
            ruleId: string;
            name: string;
            description?: string;
            enabled: boolean;
            integrationId: string;
            namespace: string;
            priority: number;
            triggerType: string;
            triggerConfig: any;
            triggerPattern?: any;
            schedule?:
              | { every: { minutes: number } | { hours: number } }
              | { daily: { at: string; timeZone?: string } }
              | { weekly: { weekday: number; at: string; timeZone?: string } }
              | { monthly: { day: number; at: string; timeZone?: string } }
              | {
                  once: {
                    date: string;
                    offsetDays?: number;
                    at?: string;
                    timeZone?: string;
                  };
                };
            conditions: Array<{ id: string; type: string; config: any }>;
            actions: Array<{
              id: string;
              type: string;
              config: any;
              onError?: "stop" | "continue";
            }>;
            metadata?: any;
            version: number;
            createdAt: number;
            updatedAt: number;
            autoDisabled?: boolean;
            disabledReason?: string;
            disabledAt?: number;
          },
          Name
        >;
      };
    };
  };
