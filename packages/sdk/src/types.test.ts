import { describe, expectTypeOf, it } from 'vitest';
import type {
  LoginResult,
  LoginSession,
  MfaRequired,
  RosterClient,
  RosterClientOptions,
  RegisteredUser,
  RegistrationAccepted,
  RosterError,
  RosterErrorCode,
  RouterInputs,
  RouterOutputs,
  StorageLike,
  TokenStorage,
} from './index.js';
import type { isRegistrationAccepted, memoryStorage, registeredUser, webStorage } from './index.js';
import type { ErrorCode } from '@roster/api';

// Type-level tests: they do nothing at run time and fail `tsc -p tsconfig.json --noEmit` when the types change.

type Me = RouterOutputs['auth']['me'];
/** The account record (what login and registration answer; GET /auth/me adds `impersonator`). */
type User = RouterOutputs['auth']['login']['user'];
type RegisterInput = Parameters<RosterClient['auth']['register']['mutate']>[0];
type AdminUser = RouterOutputs['admin']['getUser'];
/** T with its intersections merged into one object type. */
type Flat<T> = { [K in keyof T]: T[K] };
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
    expectTypeOf<Me>().toEqualTypeOf<Flat<User & { impersonator?: { id: number; email: string } }>>();
  });

  it('auth.register is the user record, or the accepted body (REQUIRE_VERIFIED_EMAIL=true)', () => {
    expectTypeOf<RouterOutputs['auth']['register']>().toEqualTypeOf<User | { detail: string }>();
    expectTypeOf<RegisteredUser>().toEqualTypeOf<User>();
    expectTypeOf<RegistrationAccepted>().toEqualTypeOf<{ detail: string }>();
    expectTypeOf<typeof registeredUser>().returns.toEqualTypeOf<User>();
    expectTypeOf<typeof isRegistrationAccepted>().guards.toEqualTypeOf<RegistrationAccepted>();
  });

  it('the client returns the same types', () => {
    expectTypeOf<RosterClient['auth']['me']['query']>().returns.resolves.toEqualTypeOf<Me>();
    expectTypeOf<RosterClient['login']>().returns.resolves.toEqualTypeOf<LoginResult>();
    expectTypeOf<LoginSession>().toExtend<RouterOutputs['auth']['login']>();
    // Callers written before second factors existed still compile: the session's fields read as never there.
    expectTypeOf<LoginResult>().toExtend<RouterOutputs['auth']['login']>();
    expectTypeOf<Extract<LoginResult, { status: 'mfa_required' }>>()
      .toHaveProperty('mfaToken')
      .toEqualTypeOf<string>();
    expectTypeOf<MfaRequired['methods']>().toEqualTypeOf<('totp' | 'recovery_code' | 'webauthn')[]>();
    expectTypeOf<RouterOutputs['auth']['login']>().toHaveProperty('access_token').toEqualTypeOf<string>();
    expectTypeOf<
      RosterClient['users']['deactivateMe']['mutate']
    >().returns.resolves.toEqualTypeOf<undefined>();
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
    expectTypeOf<RosterError['code']>().toEqualTypeOf<RosterErrorCode>();
    expectTypeOf<RosterErrorCode>().toEqualTypeOf<
      ErrorCode | 'ABORTED' | 'NETWORK_ERROR' | 'UNKNOWN_ERROR'
    >();
    expectTypeOf<'USERNAME_TAKEN' | 'VERSION_CONFLICT' | 'LAST_ADMIN'>().toExtend<RosterErrorCode>();
    // @ts-expect-error a misspelt code is caught
    expectTypeOf<'USERNAME_TAKN'>().toExtend<RosterErrorCode>();
    expectTypeOf<RosterError['status']>().toEqualTypeOf<number>();
    expectTypeOf<RosterError['detail']>().toEqualTypeOf<string>();
    expectTypeOf<RosterError['issues'][number]['path']>().toEqualTypeOf<(string | number)[]>();
  });
});

describe('admin procedures', () => {
  it('getUser is the full record plus last_login_at and version', () => {
    expectTypeOf<AdminUser>().toEqualTypeOf<
      Flat<User & { last_login_at: string | null; version: number; mfa_enabled: boolean }>
    >();
    expectTypeOf<AdminUser>().not.toHaveProperty('hashed_password');
    expectTypeOf<RouterInputs['admin']['getUser']>().toEqualTypeOf<{ id: number }>();
    expectTypeOf<RosterClient['admin']['getUser']['query']>().returns.resolves.toEqualTypeOf<AdminUser>();
  });

  it('listUsers is a page of admin records with a cursor and a total', () => {
    expectTypeOf<RouterOutputs['admin']['listUsers']>().toEqualTypeOf<{
      items: AdminUser[];
      next_cursor: string | null;
      total: number | null;
    }>();
    type ListInput = RouterInputs['admin']['listUsers'];
    expectTypeOf<RequiredKeys<ListInput>>().toEqualTypeOf<never>();
    expectTypeOf<ListInput['sort']>().toEqualTypeOf<
      'created_at' | 'email' | 'username' | 'last_login_at' | undefined
    >();
    expectTypeOf<ListInput['order']>().toEqualTypeOf<'asc' | 'desc' | undefined>();
    expectTypeOf<ListInput['role']>().toEqualTypeOf<'user' | 'admin' | undefined>();
    // z.stringbool() (shared with the REST query string) makes this a string over tRPC too: 'true' | 'false'.
    expectTypeOf<ListInput['is_active']>().toEqualTypeOf<string | undefined>();
  });

  it('createUser and updateUser take what an admin may set', () => {
    type Create = RouterInputs['admin']['createUser'];
    type Update = RouterInputs['admin']['updateUser'];
    expectTypeOf<RequiredKeys<Create>>().toEqualTypeOf<'email' | 'username' | 'password'>();
    expectTypeOf<Create['role']>().toEqualTypeOf<'user' | 'admin' | undefined>();
    expectTypeOf<Create['is_active']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<RequiredKeys<Update>>().toEqualTypeOf<'id'>();
    expectTypeOf<Update['expected_version']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<RouterOutputs['admin']['createUser']>().toEqualTypeOf<AdminUser>();
    expectTypeOf<RouterOutputs['admin']['updateUser']>().toEqualTypeOf<AdminUser>();
  });

  it('setPassword and deleteUser resolve to nothing; stats and audit have their shapes', () => {
    expectTypeOf<RouterOutputs['admin']['setPassword']>().toEqualTypeOf<undefined>();
    expectTypeOf<RouterOutputs['admin']['deleteUser']>().toEqualTypeOf<undefined>();
    expectTypeOf<RouterOutputs['admin']['stats']>().toEqualTypeOf<{
      total: number;
      active: number;
      inactive: number;
      admins: number;
      signups_per_day: { date: string; count: number }[];
    }>();
    expectTypeOf<RouterOutputs['admin']['audit']>().toEqualTypeOf<{
      items: {
        id: number;
        at: string;
        actor_id: number | null;
        target_id: number | null;
        action: string;
        ip: string | null;
        user_agent: string | null;
        details: Record<string, unknown> | null;
      }[];
      next_cursor: string | null;
    }>();
  });

  it('rejects mistyped admin calls at compile time', () => {
    // Never called: only type-checked.
    const calls = (client: RosterClient) => [
      client.admin.listUsers.query({ q: 'ada', sort: 'email', order: 'asc', limit: 10 }),
      client.admin.updateUser.mutate({ id: 1, role: 'admin', expected_version: 2 }),
      // @ts-expect-error id is a number
      client.admin.getUser.query({ id: '1' }),
      // @ts-expect-error not a sort field
      client.admin.listUsers.query({ sort: 'password' }),
      // @ts-expect-error updateUser needs the id
      client.admin.updateUser.mutate({ role: 'admin' }),
      client.admin.createUser.mutate({
        email: 'a@example.com',
        username: 'ada',
        password: 'correct horse',
        // @ts-expect-error no such role
        role: 'root',
      }),
      // @ts-expect-error setPassword needs the password
      client.admin.setPassword.mutate({ id: 1 }),
    ];
    expectTypeOf(calls).returns.items.toExtend<Promise<unknown>>();
  });
});

describe('token storage', () => {
  it('has the documented shapes', () => {
    expectTypeOf<TokenStorage['get']>().returns.toEqualTypeOf<string | null | Promise<string | null>>();
    expectTypeOf<TokenStorage['set']>().parameters.toEqualTypeOf<[token: string | null]>();
    expectTypeOf<TokenStorage['set']>().returns.toEqualTypeOf<void | Promise<void>>();
    expectTypeOf<RosterClientOptions['storage']>().toEqualTypeOf<TokenStorage | undefined>();
    expectTypeOf<typeof memoryStorage>().returns.toEqualTypeOf<TokenStorage>();
    expectTypeOf<typeof webStorage>().parameters.toEqualTypeOf<[storage: StorageLike, key?: string]>();
    expectTypeOf<RosterClient['logout']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<RosterClient['setToken']>().returns.toEqualTypeOf<Promise<void>>();
  });

  it('accepts a Web Storage area and custom storages, sync or async', () => {
    const area: Pick<StorageLike, 'getItem' | 'setItem' | 'removeItem'> & { length: number } = {
      length: 0,
      getItem: () => null,
      setItem: () => undefined,
      removeItem: () => undefined,
    };
    expectTypeOf(area).toExtend<StorageLike>();
    expectTypeOf({ get: async () => 't', set: async () => undefined }).toExtend<TokenStorage>();
    expectTypeOf({ get: () => null, set: (_t: string | null) => undefined }).toExtend<TokenStorage>();
    // @ts-expect-error get must answer a string or null
    expectTypeOf({ get: () => 1, set: () => undefined }).toExtend<TokenStorage>();
  });
});
