/**
 * The client's stats and auto-disable options,
 * checked once and turned into what each dispatch sends.
 */
import { fail } from "../component/lib/errors.js";
import {
  AUTO_DISABLE_DEFAULTS,
  MAX_CONSECUTIVE_FAILURES,
  type Monitoring,
} from "../monitoring.js";

/** Auto-disable settings: for every integration, with overrides per integration. */
export type AutoDisableSettings = {
  /**
   * Disable a rule after this many consecutive failed executions (of its
   * current version; skipped executions do not count); `false`: never.
   * Default 5.
   */
  consecutiveFailures?: number | false;
  /** Disable a rule at once when an action throws `FatalActionError`. Default true. */
  onFatal?: boolean;
};

/** The client's `autoDisable` option. */
export type AutoDisableOptions<IntegrationId extends string = string> = AutoDisableSettings & {
  /** Overrides for some integrations, by integration id. */
  integrations?: { [K in IntegrationId]?: AutoDisableSettings };
};

function checkSettings(settings: AutoDisableSettings | undefined, prefix: string) {
  const k = settings?.consecutiveFailures;
  if (k === undefined || k === false) return;
  if (!Number.isInteger(k) || k < 1 || k > MAX_CONSECUTIVE_FAILURES) {
    const field = `${prefix}.consecutiveFailures`;
    fail(
      "INVALID_ARGUMENT",
      `${field}: must be false or an integer from 1 to ${MAX_CONSECUTIVE_FAILURES}, got ${String(k)}`,
      field,
    );
  }
}

/** Checks the `autoDisable` option (INVALID_ARGUMENT naming the field). */
export function checkAutoDisable(options: AutoDisableOptions | false | undefined): void {
  if (options === undefined || options === false) return;
  checkSettings(options, "autoDisable");
  for (const [integrationId, settings] of Object.entries(options.integrations ?? {})) {
    checkSettings(settings, `autoDisable.integrations.${integrationId}`);
  }
}

/**
 * What a dispatch of `integrationId` sends as `options.monitoring`:
 * nothing when every setting is the default, so that executions carry no
 * extra field.
 */
export function monitoringFor(
  options: { stats?: boolean; autoDisable?: AutoDisableOptions | false },
  integrationId: string,
): Monitoring | undefined {
  const auto = options.autoDisable;
  const own = auto === false || auto === undefined ? undefined : auto.integrations?.[integrationId];
  const pick = <K extends keyof AutoDisableSettings>(key: K) =>
    auto === false ? undefined : (own?.[key] ?? auto?.[key]);
  const k = auto === false ? false : pick("consecutiveFailures");
  const onFatal = auto === false ? false : pick("onFatal");
  const monitoring: Monitoring = {
    ...(options.stats === false ? { stats: false } : {}),
    ...(k === undefined || k === AUTO_DISABLE_DEFAULTS.consecutiveFailures
      ? {}
      : { consecutiveFailures: k === false ? 0 : k }),
    ...(onFatal === undefined || onFatal === AUTO_DISABLE_DEFAULTS.onFatal
      ? {}
      : { disableOnFatal: onFatal }),
  };
  return Object.keys(monitoring).length === 0 ? undefined : monitoring;
}
