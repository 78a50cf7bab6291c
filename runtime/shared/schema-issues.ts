import type { TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { closestMatch } from './closest-match.js';

/** One thing wrong with a document, located by its path (`devices[0].profile`). */
export interface SchemaIssue {
  /** Path segments from the document root; numbers index lists. */
  path: (string | number)[];
  /** What was wrong, in plain words. */
  problem: string;
  /** What would have been accepted. */
  allowed?: string;
  /** For unknown fields: the issue is about the key, not its value. */
  atKey?: boolean;
}

export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out || '(top level)';
}

function pointerToPath(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((seg) => (/^\d+$/.test(seg) ? Number(seg) : seg));
}

/** Renders a value for a message: strings quoted, long things cut. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function literalValues(schema: TSchema): unknown[] | undefined {
  const variants = (schema as { anyOf?: TSchema[] }).anyOf;
  if (!variants) return undefined;
  const values: unknown[] = [];
  for (const v of variants) {
    if (!('const' in v)) return undefined;
    values.push((v as unknown as { const: unknown }).const);
  }
  return values;
}

/** What a schema accepts, for the `allowed` half of a message. A `description` written for
 * people wins; otherwise it is derived from the schema. */
export function describeAllowed(schema: TSchema): string {
  const s = schema as Record<string, unknown>;
  if (typeof s.description === 'string') return s.description;
  const literals = literalValues(schema);
  if (literals) return `one of ${literals.map((v) => show(v)).join(', ')}`;
  if ('const' in s) return show(s.const);
  const range = (what: string): string => {
    const min = s.minimum as number | undefined;
    const max = s.maximum as number | undefined;
    if (min !== undefined && max !== undefined) return `${what} from ${min} to ${max}`;
    if (min !== undefined) return `${what} of at least ${min}`;
    if (max !== undefined) return `${what} of at most ${max}`;
    return what;
  };
  switch (s.type) {
    case 'integer':
      return range('a whole number');
    case 'number':
      return range('a number');
    case 'boolean':
      return 'true or false';
    case 'string': {
      if (typeof s.pattern === 'string') return `text matching ${s.pattern}`;
      if (typeof s.minLength === 'number' && s.minLength > 0) return 'non-empty text';
      return 'text';
    }
    case 'array': {
      const items = s.items as TSchema | undefined;
      const min = typeof s.minItems === 'number' && s.minItems > 0 ? `at least ${s.minItems} ` : '';
      return `a list of ${min}${items ? `(${describeAllowed(items)})` : 'items'}`;
    }
    case 'object': {
      const keys = Object.keys((s.properties as Record<string, unknown> | undefined) ?? {});
      return keys.length ? `an object with fields ${keys.join(', ')}` : 'an object';
    }
    default:
      return 'see the schema';
  }
}

function didYouMean(value: unknown, candidates: readonly unknown[]): string {
  if (typeof value !== 'string') return '';
  const guess = closestMatch(
    value,
    candidates.filter((c): c is string => typeof c === 'string'),
  );
  return guess ? ` (did you mean ${show(guess)}?)` : '';
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `text ${show(value)}`;
  return `${typeof value} ${show(value)}`;
}

/** For a union of object variants told apart by a literal field (`type: modbus-tcp`), the
 * variant the value asked for, so its errors are the ones reported. */
function chosenVariant(
  error: ValueError,
): { index: number } | { discriminator: string; allowed: unknown[] } | undefined {
  const variants = (error.schema as { anyOf?: TSchema[] }).anyOf ?? [];
  const value = error.value as Record<string, unknown> | undefined;
  if (!value || typeof value !== 'object') return undefined;
  for (const key of ['type', 'kind']) {
    const tags = variants.map(
      (v) => (v.properties as Record<string, { const?: unknown }> | undefined)?.[key]?.const,
    );
    if (tags.some((t) => t === undefined)) continue;
    const index = tags.indexOf(value[key]);
    if (index >= 0) return { index };
    return { discriminator: key, allowed: tags };
  }
  return undefined;
}

function translate(error: ValueError, out: SchemaIssue[]): void {
  const path = pointerToPath(error.path);
  const s = error.schema as Record<string, unknown>;
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      out.push({ path, problem: 'missing', allowed: describeAllowed(error.schema) });
      return;
    case ValueErrorType.ObjectAdditionalProperties: {
      const known = Object.keys((s.properties as Record<string, unknown> | undefined) ?? {});
      const key = String(path[path.length - 1]);
      const guess = closestMatch(key, known);
      out.push({
        path,
        atKey: true,
        problem: `unknown field ${show(key)}${guess ? ` (did you mean ${show(guess)}?)` : ''}`,
        allowed: `fields ${known.join(', ')}`,
      });
      return;
    }
    case ValueErrorType.Union: {
      const literals = literalValues(error.schema);
      if (literals) {
        out.push({
          path,
          problem: `${show(error.value)} is not allowed${didYouMean(error.value, literals)}`,
          allowed: `one of ${literals.map((v) => show(v)).join(', ')}`,
        });
        return;
      }
      const chosen = chosenVariant(error);
      if (chosen && 'index' in chosen) {
        const variantErrors = error.errors[chosen.index];
        if (variantErrors) for (const e of variantErrors) translate(e, out);
        return;
      }
      if (chosen) {
        const value = (error.value as Record<string, unknown>)[chosen.discriminator];
        out.push({
          path: [...path, chosen.discriminator],
          problem:
            value === undefined
              ? 'missing'
              : `${show(value)} is not a known ${chosen.discriminator}${didYouMean(value, chosen.allowed)}`,
          allowed: `one of ${chosen.allowed.map((v) => show(v)).join(', ')}`,
        });
        return;
      }
      out.push({
        path,
        problem: `${typeName(error.value)} does not fit`,
        allowed: describeAllowed(error.schema),
      });
      return;
    }
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberExclusiveMinimum:
    case ValueErrorType.IntegerExclusiveMinimum:
      out.push({
        path,
        problem: `${show(error.value)} is too small`,
        allowed: describeAllowed(error.schema),
      });
      return;
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberExclusiveMaximum:
    case ValueErrorType.IntegerExclusiveMaximum:
      out.push({
        path,
        problem: `${show(error.value)} is too large`,
        allowed: describeAllowed(error.schema),
      });
      return;
    case ValueErrorType.StringPattern:
    case ValueErrorType.StringFormat:
      out.push({
        path,
        problem: `${show(error.value)} is not of the required form`,
        allowed: describeAllowed(error.schema),
      });
      return;
    case ValueErrorType.StringMinLength:
      out.push({ path, problem: 'is empty or too short', allowed: describeAllowed(error.schema) });
      return;
    case ValueErrorType.StringMaxLength:
      out.push({
        path,
        problem: `is longer than ${String(s.maxLength)} characters`,
        allowed: describeAllowed(error.schema),
      });
      return;
    case ValueErrorType.ArrayMinItems:
      out.push({
        path,
        problem: `needs at least ${String(s.minItems)} item(s)`,
        allowed: describeAllowed(error.schema),
      });
      return;
    case ValueErrorType.ArrayMaxItems:
      out.push({
        path,
        problem: `has more than ${String(s.maxItems)} items`,
        allowed: describeAllowed(error.schema),
      });
      return;
    case ValueErrorType.Literal:
      out.push({ path, problem: `${show(error.value)} is not allowed`, allowed: show(s.const) });
      return;
    case ValueErrorType.Integer:
      out.push({
        path,
        problem:
          typeof error.value === 'number'
            ? `${show(error.value)} is not a whole number`
            : `expected a whole number, got ${typeName(error.value)}`,
        allowed: describeAllowed(error.schema),
      });
      return;
    default:
      out.push({
        path,
        problem: `expected ${describeAllowed(error.schema)}, got ${typeName(error.value)}`,
        allowed: describeAllowed(error.schema),
      });
  }
}

/** Every problem with `value` against `schema`, one per path (the first found wins: a missing
 * field is not also reported as "expected text, got nothing"). */
export function schemaIssues(schema: TSchema, value: unknown): SchemaIssue[] {
  const raw: SchemaIssue[] = [];
  for (const error of Value.Errors(schema, value)) translate(error, raw);
  const seen = new Set<string>();
  return raw.filter((issue) => {
    const key = formatPath(issue.path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
