/**
 * The values a Convex document can hold, spelled out here so that core code
 * needs nothing from the `convex` package. Structurally the same as
 * `Value` from "convex/values" (without the commit-timestamp placeholder,
 * which only the database writes), so one is accepted where the other is.
 */
export type StorableValue =
  | null
  | bigint
  | number
  | boolean
  | string
  | ArrayBuffer
  | StorableValue[]
  | { [key: string]: undefined | StorableValue };
