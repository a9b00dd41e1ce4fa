import { z } from 'zod';
import { $constructor, type $ZodUnionDef } from 'zod/v4/core';

/** An object schema, as `keyedUnion` takes its two options. */
type AnyObject = z.ZodObject;

/** A union's definition plus the key that picks its option (kept in the definition, so clones keep it too). */
type KeyedUnionDef = $ZodUnionDef<[AnyObject, AnyObject]> & { key: string };

/** One constructor for every keyed union: a ZodUnion whose parse picks its option by `def.key`. */
const KeyedUnion = $constructor(
  'RosterKeyedUnion',
  (inst: z.ZodUnion<[AnyObject, AnyObject]>, def: KeyedUnionDef) => {
    z.ZodUnion.init(inst, def);
    const tryEach = inst._zod.parse;
    const [withKey, withoutKey] = def.options;
    inst._zod.parse = (payload, ctx) => {
      const value = payload.value;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return tryEach(payload, ctx);
      return (Object.hasOwn(value, def.key) ? withKey : withoutKey)._zod.run(payload, ctx);
    };
  },
);

/**
 * `z.union([withKey, withoutKey])` that tells its two options apart by whether the value has the own property `key`,
 * instead of trying each in turn. A plain union validates a value of the second kind against the first option
 * before the second, building an issue for each property it lacks: on a page of 30 public accounts that failed
 * attempt was most of what output validation allocated (bench/REPORT.md, eighth pass).
 *
 * The same values pass as with the plain union, but for one case that is a bug either way: a value with `key` that
 * fails `withKey` is refused, not stripped down to `withoutKey`'s fields (which the plain union would answer with, as
 * output schemas strip unknown keys). Anything but an object gets the plain union's error. The schema is a
 * `ZodUnion` of the same options in the same order, so its JSON Schema (the OpenAPI document's `anyOf`) is the
 * plain union's.
 */
export function keyedUnion<A extends AnyObject, B extends AnyObject>(
  key: keyof z.infer<A> & string,
  withKey: A,
  withoutKey: B,
): z.ZodUnion<[A, B]> {
  if (key in withoutKey.shape)
    throw new Error(`keyedUnion: "${key}" must be a property of the first option only`);
  return new KeyedUnion({ type: 'union', options: [withKey, withoutKey], key }) as z.ZodUnion<[A, B]>;
}
