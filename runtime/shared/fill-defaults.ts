import type { TSchema } from '@sinclair/typebox';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The variant of a tagged union (objects told apart by a literal `type` or `kind`) that
 * `value` names, if any. */
function taggedVariant(variants: TSchema[], value: Json): TSchema | undefined {
  for (const tag of ['type', 'kind']) {
    const match = variants.find((v) => {
      const constant = (v.properties as Record<string, { const?: unknown }> | undefined)?.[tag]
        ?.const;
      // A variant without this tag must not match a value without it (undefined === undefined).
      return constant !== undefined && constant === value[tag];
    });
    if (match) return match;
  }
  return undefined;
}

/**
 * Returns a copy of `value` with every missing field that has a `default` filled in, at any
 * depth, including inside the variant of a tagged union that the value selects (which
 * TypeBox's Value.Default leaves alone because it cannot tell variants apart).
 */
export function fillDefaults(schema: TSchema, value: unknown): unknown {
  const s = schema as TSchema & {
    anyOf?: TSchema[];
    properties?: Record<string, TSchema>;
    items?: TSchema;
  };
  if (value === undefined && s.default !== undefined) value = structuredClone(s.default) as unknown;
  if (s.anyOf && isObject(value)) {
    const variant = taggedVariant(s.anyOf, value);
    return variant ? fillDefaults(variant, value) : value;
  }
  if (s.properties && isObject(value)) {
    const out: Json = { ...value };
    for (const [key, prop] of Object.entries(s.properties)) {
      const filled = fillDefaults(prop, out[key]);
      if (filled !== undefined) out[key] = filled;
    }
    return out;
  }
  if (s.items && Array.isArray(value)) {
    const items = s.items;
    return value.map((item) => fillDefaults(items, item));
  }
  return value;
}
