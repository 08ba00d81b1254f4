/**
 * The `numeric` operator: `["=", 5]`, one bound (`[">", 0]`, `["<=", 9]`) or
 * a lower bound then an upper one (`[">", 0, "<=", 9]`), as EventBridge
 * allows them. Pure: no database, no ctx.
 */

const SINGLE_OPS = new Set(["=", "<", "<=", ">", ">="]);
const LOWER_OPS = new Set([">", ">="]);
const UPPER_OPS = new Set(["<", "<="]);

const SHAPE = `"numeric" needs ["=", n], one bound like [">", 0], or a lower then an upper bound like [">", 0, "<=", 5]`;

/** Why `arg` is not a `numeric` operand EventBridge accepts, or null. */
export function numericProblem(arg: unknown): string | null {
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4)) return SHAPE;
  for (let i = 1; i < arg.length; i += 2) {
    if (typeof arg[i] !== "number" || !Number.isFinite(arg[i])) return SHAPE;
  }
  if (arg.length === 2) return SINGLE_OPS.has(arg[0] as string) ? null : SHAPE;
  if (!LOWER_OPS.has(arg[0] as string) || !UPPER_OPS.has(arg[2] as string)) return SHAPE;
  if ((arg[1] as number) >= (arg[3] as number)) {
    return `"numeric" needs its lower bound below its upper bound`;
  }
  return null;
}

/** A test of a valid `numeric` operand: finite numbers only, never numeric strings. */
export function compileNumeric(arg: Array<string | number>): (value: unknown) => boolean {
  const checks: Array<(n: number) => boolean> = [];
  for (let i = 0; i < arg.length; i += 2) {
    const bound = arg[i + 1] as number;
    switch (arg[i]) {
      case "<":
        checks.push((n) => n < bound);
        break;
      case "<=":
        checks.push((n) => n <= bound);
        break;
      case "=":
        checks.push((n) => n === bound);
        break;
      case ">":
        checks.push((n) => n > bound);
        break;
      case ">=":
        checks.push((n) => n >= bound);
        break;
    }
  }
  return (value) =>
    typeof value === "number" && Number.isFinite(value) && checks.every((check) => check(value));
}
