import { describe, expectTypeOf, it } from 'vitest';
import type { RosterClient, RosterError, RouterInputs, RouterOutputs } from './index.js';

// Type-level tests: they do nothing at run time and fail `tsc -p tsconfig.json --noEmit` when the types change.

type Me = RouterOutputs['auth']['me'];
type RegisterInput = Parameters<RosterClient['auth']['register']['mutate']>[0];
/** The keys of T that are not optional. */
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

describe('RouterOutputs', () => {
  it('auth.me is the full user record', () => {
    expectTypeOf<Me>().toHaveProperty('id').toEqualTypeOf<number>();
    expectTypeOf<Me>().toHaveProperty('email').toEqualTypeOf<string>();
    expectTypeOf<Me>().toHaveProperty('is_superuser').toEqualTypeOf<boolean>();
    expectTypeOf<Me>().toHaveProperty('created_at').toEqualTypeOf<string>();
    expectTypeOf<Me>().toHaveProperty('role').toEqualTypeOf<'user' | 'admin'>();
    expectTypeOf<Me>().toHaveProperty('full_name').toEqualTypeOf<string | null>();
    expectTypeOf<Me>().not.toHaveProperty('password');
    expectTypeOf<Me>().not.toHaveProperty('hashed_password');
  });

  it('the client returns the same types', () => {
    expectTypeOf<RosterClient['auth']['me']['query']>().returns.resolves.toEqualTypeOf<Me>();
    expectTypeOf<RosterClient['login']>().returns.resolves.toEqualTypeOf<RouterOutputs['auth']['login']>();
    expectTypeOf<RouterOutputs['auth']['login']>().toHaveProperty('access_token').toEqualTypeOf<string>();
    expectTypeOf<RosterClient['users']['deactivateMe']['mutate']>().returns.resolves.toEqualTypeOf<undefined>();
    expectTypeOf<RosterClient['getToken']>().returns.resolves.toEqualTypeOf<string | null>();
  });
});

describe('inputs', () => {
  it('auth.register requires email, username and password', () => {
    expectTypeOf<RequiredKeys<RegisterInput>>().toEqualTypeOf<'email' | 'username' | 'password'>();
    expectTypeOf<Pick<RegisterInput, 'email' | 'username' | 'password'>>().toEqualTypeOf<{
      email: string;
      username: string;
      password: string;
    }>();
    expectTypeOf<RegisterInput>().toEqualTypeOf<RouterInputs['auth']['register']>();
    expectTypeOf<RosterClient['register']>().parameter(0).toEqualTypeOf<RegisterInput>();
  });

  it('rejects incomplete or mistyped calls at compile time', () => {
    // Never called: only type-checked.
    const calls = (client: RosterClient) => [
      client.auth.register.mutate({ email: 'a@example.com', username: 'ada', password: 'correct horse' }),
      // @ts-expect-error password is required
      client.auth.register.mutate({ email: 'a@example.com', username: 'ada' }),
      // @ts-expect-error username is required
      client.auth.register.mutate({ email: 'a@example.com', password: 'correct horse' }),
      // @ts-expect-error email is required
      client.auth.register.mutate({ username: 'ada', password: 'correct horse' }),
      // @ts-expect-error id is a number
      client.users.byId.query({ id: '1' }),
      // @ts-expect-error me takes no input
      client.auth.me.query({ id: 1 }),
    ];
    expectTypeOf(calls).returns.items.toExtend<Promise<unknown>>();
  });
});

describe('RosterError', () => {
  it('has typed code, status, detail and issues', () => {
    expectTypeOf<RosterError['code']>().toEqualTypeOf<string>();
    expectTypeOf<RosterError['status']>().toEqualTypeOf<number>();
    expectTypeOf<RosterError['detail']>().toEqualTypeOf<string>();
    expectTypeOf<RosterError['issues'][number]['path']>().toEqualTypeOf<(string | number)[]>();
  });
});
