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
            | "duplicate";
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
            | "duplicate";
        }>,
        Name
      >;
    };
    executions: {
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
          triggered: boolean;
          conditionsMet: boolean;
          successful: boolean;
          status:
            | "running"
            | "succeeded"
            | "failed"
            | "skipped"
            | "loop_blocked"
            | "duplicate";
          startTime: number;
          endTime?: number;
          triggerData: any;
          triggerDataSanitized?: boolean;
          explanation?: any;
          actions: Array<{
            id: string;
            type: string;
            onError: "stop" | "continue";
            status: "pending" | "running" | "succeeded" | "failed" | "skipped";
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
          triggered: boolean;
          conditionsMet: boolean;
          successful: boolean;
          status:
            | "running"
            | "succeeded"
            | "failed"
            | "skipped"
            | "loop_blocked"
            | "duplicate";
          startTime: number;
          endTime?: number;
          triggerData: any;
          triggerDataSanitized?: boolean;
          explanation?: any;
          actions: Array<{
            id: string;
            type: string;
            onError: "stop" | "continue";
            status: "pending" | "running" | "succeeded" | "failed" | "skipped";
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
        }>,
        Name
      >;
      listExecutions: FunctionReference<
        "query",
        "internal",
        {
          integrationId: string;
          namespace?: string;
          status?:
            | "running"
            | "succeeded"
            | "failed"
            | "skipped"
            | "loop_blocked"
            | "duplicate";
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
            triggered: boolean;
            conditionsMet: boolean;
            successful: boolean;
            status:
              | "running"
              | "succeeded"
              | "failed"
              | "skipped"
              | "loop_blocked"
              | "duplicate";
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
          }>;
          continueCursor: string;
          isDone: boolean;
          splitCursor?: string | null;
          pageStatus?: "SplitRecommended" | "SplitRequired" | null;
        },
        Name
      >;
    };
    logs: {
      getExecutionLogs: FunctionReference<
        "query",
        "internal",
        { executionId: string; limit?: number },
        Array<{
          executionId: string;
          timestamp: number;
          level: "info" | "warn" | "error";
          message: string;
          data?: any;
          component: "trigger" | "condition" | "action";
          componentId?: string;
        }>,
        Name
      >;
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
          conditions: Array<{ id?: string; type: string; config: any }>;
          actions: Array<{
            id?: string;
            type: string;
            config: any;
            onError?: "stop" | "continue";
          }>;
          metadata?: any;
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
        { ruleId: string; expectedVersion?: number },
        null,
        Name
      >;
      enableRule: FunctionReference<
        "mutation",
        "internal",
        { ruleId: string; expectedVersion?: number },
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
          version: number;
          triggerType: string;
          triggerConfig: any;
          triggerPattern?: any;
          conditions: Array<{ id: string; type: string; config: any }>;
          actions: Array<{
            id: string;
            type: string;
            config: any;
            onError?: "stop" | "continue";
          }>;
          metadata?: any;
          createdAt: number;
          updatedAt: number;
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
          version: number;
          triggerType: string;
          triggerConfig: any;
          triggerPattern?: any;
          conditions: Array<{ id: string; type: string; config: any }>;
          actions: Array<{
            id: string;
            type: string;
            config: any;
            onError?: "stop" | "continue";
          }>;
          metadata?: any;
          createdAt: number;
          updatedAt: number;
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
            conditions: Array<{ id?: string; type: string; config: any }>;
            actions: Array<{
              id?: string;
              type: string;
              config: any;
              onError?: "stop" | "continue";
            }>;
            metadata?: any;
          }>;
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
            version: number;
            triggerType: string;
            triggerConfig: any;
            triggerPattern?: any;
            conditions: Array<{ id: string; type: string; config: any }>;
            actions: Array<{
              id: string;
              type: string;
              config: any;
              onError?: "stop" | "continue";
            }>;
            metadata?: any;
            createdAt: number;
            updatedAt: number;
          }>;
          continueCursor: string;
          isDone: boolean;
          splitCursor?: string | null;
          pageStatus?: "SplitRecommended" | "SplitRequired" | null;
        },
        Name
      >;
      updateRule: FunctionReference<
        "mutation",
        "internal",
        {
          ruleId: string;
          expectedVersion?: number;
          integrationId?: string;
          name?: string;
          description?: string | null;
          enabled?: boolean;
          priority?: number;
          triggerType?: string;
          triggerConfig?: any;
          triggerPattern?: any | null;
          conditions?: Array<{ id?: string; type: string; config: any }>;
          actions?: Array<{
            id?: string;
            type: string;
            config: any;
            onError?: "stop" | "continue";
          }>;
          metadata?: any | null;
        },
        {
          ruleId: string;
          name: string;
          description?: string;
          enabled: boolean;
          integrationId: string;
          namespace: string;
          priority: number;
          version: number;
          triggerType: string;
          triggerConfig: any;
          triggerPattern?: any;
          conditions: Array<{ id: string; type: string; config: any }>;
          actions: Array<{
            id: string;
            type: string;
            config: any;
            onError?: "stop" | "continue";
          }>;
          metadata?: any;
          createdAt: number;
          updatedAt: number;
        },
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
            conditions: Array<{ id?: string; type: string; config: any }>;
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
