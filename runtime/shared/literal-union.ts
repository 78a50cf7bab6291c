import { Type } from '@sinclair/typebox';

/** A schema accepting exactly one of `values`; error messages list them as what is allowed. */
export const literalUnion = <T extends string | number>(
  values: readonly T[],
  options: { description?: string; default?: NoInfer<T> } = {},
) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  );
