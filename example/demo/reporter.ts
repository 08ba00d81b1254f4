/**
 * The vitest reporter of `npm run demo`: prints what the demo prints and
 * nothing of vitest's own (no file names, no pass/fail summary), unless
 * something failed; then it prints the errors.
 *
 * One known line is hidden (DEMO_LOGS=1 shows it): the workpool's watchdog
 * (@convex-dev/batch-worker's monitor) warns that its loop "is not running"
 * when fake timers jump past the loop's schedule, as they do here and in the
 * test suite. Everything else Convex functions log is shown.
 */
import type { Reporter, SerializedError, TestModule, TestRunEndReason } from "vitest/node";

type UserConsoleLog = Parameters<NonNullable<Reporter["onUserConsoleLog"]>>[0];

const WATCHDOG_NOISE = /^\[monitor\] "[^"]*" loop is not running — restarting\s*$/;

export default class DemoReporter implements Reporter {
  private readonly showAll = process.env.DEMO_LOGS === "1";

  onUserConsoleLog(log: UserConsoleLog) {
    if (!this.showAll && WATCHDOG_NOISE.test(log.content)) return;
    (log.type === "stderr" ? process.stderr : process.stdout).write(log.content);
  }

  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ) {
    if (reason === "passed") return;
    const errors: SerializedError[] = [...unhandledErrors];
    for (const testModule of testModules) {
      errors.push(...testModule.errors());
      for (const testCase of testModule.children.allTests()) {
        errors.push(...(testCase.result().errors ?? []));
      }
    }
    process.stderr.write(`\nThe demo failed (${reason}).\n`);
    for (const error of errors) {
      process.stderr.write(`\n${error.stack ?? `${error.name ?? "Error"}: ${error.message}`}\n`);
    }
  }
}
