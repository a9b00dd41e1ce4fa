import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { keyedUnion } from './keyed-union.js';
import { publicUserSchema, userSchema, userViewSchema } from './user.js';

const at = '2026-01-31T12:00:00.000Z';
const full = {
  id: 7,
  email: 'ada@example.com',
  username: 'ada',
  full_name: 'Ada Lovelace',
  bio: null,
  role: 'user',
  is_superuser: false,
  is_active: true,
  is_verified: true,
  created_at: at,
  updated_at: at,
};
const pub = { id: 8, username: 'bob', full_name: null, bio: 'hi', created_at: at };
const plain = z.union([userSchema, publicUserSchema]);

describe('keyedUnion', () => {
  it('answers a value with the key by the first option, whole', () => {
    expect(userViewSchema.parse(full)).toEqual(full);
  });

  it('answers a value without it by the second option', () => {
    expect(userViewSchema.parse(pub)).toEqual(pub);
    // Unknown keys are stripped, as the plain union's second option does.
    expect(userViewSchema.parse({ ...pub, password_hash: 'x' })).toEqual(pub);
  });

  it('accepts and refuses what the plain union does, and answers the same values', () => {
    const values: unknown[] = [
      full,
      pub,
      { ...full, role: 'admin', is_superuser: true },
      { ...pub, full_name: 42 },
      { ...pub, created_at: 'yesterday' },
      { ...full, id: 1.5 },
      { id: 1 },
      {},
      [],
      null,
      'ada',
      7,
    ];
    for (const value of values) {
      const keyed = userViewSchema.safeParse(value);
      const union = plain.safeParse(value);
      expect({ value, ok: keyed.success }).toEqual({ value, ok: union.success });
      if (keyed.success && union.success) expect(keyed.data).toEqual(union.data);
    }
  });

  it('refuses a value with the key that fails the first option, instead of stripping it to the second', () => {
    const broken = { ...full, updated_at: undefined };
    // The plain union answers the public fields of a whole account that failed its own schema: a bug hidden.
    expect(plain.parse(broken)).toEqual({
      id: 7,
      username: 'ada',
      full_name: 'Ada Lovelace',
      bio: null,
      created_at: at,
    });
    const result = userViewSchema.safeParse(broken);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['updated_at']);
  });

  it('gives anything but an object the plain union error', () => {
    for (const value of [null, [], 'x', 3]) {
      const result = userViewSchema.safeParse(value);
      expect(result.error?.issues[0]?.code).toBe('invalid_union');
    }
  });

  it('is a ZodUnion of the same options, with the same JSON Schema', () => {
    expect(userViewSchema).toBeInstanceOf(z.ZodUnion);
    expect(userViewSchema.options).toEqual([userSchema, publicUserSchema]);
    expect(z.toJSONSchema(userViewSchema)).toEqual(z.toJSONSchema(plain));
    expect(z.toJSONSchema(z.array(userViewSchema).meta({ description: 'page' }))).toEqual(
      z.toJSONSchema(z.array(plain).meta({ description: 'page' })),
    );
  });

  it('validates inside arrays and objects, and reports the path of a failing row', () => {
    const page = z.object({ items: z.array(userViewSchema) });
    expect(page.parse({ items: [full, pub] })).toEqual({ items: [full, pub] });
    const result = page.safeParse({ items: [pub, { ...pub, username: null }] });
    expect(result.error?.issues.map((i) => i.path)).toEqual([['items', 1, 'username']]);
  });

  it('refuses a key that the second option has too', () => {
    expect(() => keyedUnion('username', userSchema, publicUserSchema)).toThrow(/first option only/);
  });
});
