/**
 * fast-check generators of JSON-like values for property tests: scalars at
 * the leaves, objects and arrays above them.
 */
import fc from "fast-check";

/** Weights of the three kinds of value above the leaves. */
export type ValueWeights = { scalar: number; object: number; array: number };

/**
 * Values nesting at most `depth` levels: `scalar` at the leaves, objects
 * from `object(depth - 1)` and arrays of up to three values above them.
 */
export function nestedValueArb<T>(
  depth: number,
  scalar: fc.Arbitrary<T>,
  object: (depth: number) => fc.Arbitrary<unknown>,
  weights: ValueWeights,
): fc.Arbitrary<unknown> {
  if (depth === 0) return scalar;
  return fc.oneof(
    { weight: weights.scalar, arbitrary: scalar },
    { weight: weights.object, arbitrary: object(depth - 1) },
    {
      weight: weights.array,
      arbitrary: fc.array(nestedValueArb(depth - 1, scalar, object, weights), { maxLength: 3 }),
    },
  );
}
