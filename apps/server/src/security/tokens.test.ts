import { createHmac, sign as cryptoSign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAccount, registerAndLogin, type Session } from '../test/accounts.js';
import { linkOf, startInbox, type Inbox } from '../test/smtp.js';
import { TEST_SECRET } from '../test/harness.js';
import { claims, jwtPart, signHs256, unsignedToken } from '../test/jwt.js';
import {
  attackerKeys,
  trpcBatch,
  trpcCall,
  trpcError,
  startAttackTarget,
  type AdminSession,
} from '../test/security.js';

// Forged, tampered and misused bearer tokens, on REST, on tRPC and inside a tRPC batch: every one is a 401 with
// INVALID_TOKEN (or NOT_AUTHENTICATED when it is not even shaped like a bearer token), never a 500, never access.
//
// The cases are data: `ATTACKS` maps a name to a token made from the context below. The last block takes real
// tokens of the other kinds (refresh, password reset, email verification) and uses each where another belongs.

let target: AdminSession;
let victim: Session;
let inbox: Inbox;
const ISS = 'roster';
const AUD = 'roster';

beforeAll(async () => {
  inbox = await startInbox();
  target = await startAttackTarget({ SMTP_URL: inbox.url });
  victim = await registerAndLogin(target.server, 'victim');
});
afterAll(async () => {
  await target?.server.close();
  await inbox?.close();
});

interface AttackContext {
  /** A real access token of a regular account. */
  token: string;
  /** That account's id, and the first admin's (the id an attacker would want to become). */
  userId: number;
  adminId: number;
}

type Attack = [name: string, make: (c: AttackContext) => string];

const valid = (c: AttackContext, extra: Record<string, unknown> = {}) => ({
  ...claims({ sub: c.userId, iss: ISS, aud: AUD }),
  sid: jwtPart(c.token, 1).sid,
  ...extra,
});
const header = (extra: Record<string, unknown> = {}) => ({ alg: 'HS256', typ: 'at+jwt', ...extra });
const now = () => Math.floor(Date.now() / 1000);

/** Signs header.payload with the attacker's EC key, as ES256 does (r||s). */
function es256(h: Record<string, unknown>, p: Record<string, unknown>, key = attacker.privateKey): string {
  const input = unsignedToken(h, p).slice(0, -1);
  const sig = cryptoSign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}
const attacker = attackerKeys();
const ATTACKER_SECRET = 'attacker-secret-attacker-secret-attacker-secret';

export const ATTACKS: Attack[] = [
  // alg: none, in any letter case, with and without a signature part.
  ...['none', 'NONE', 'nOnE', 'None'].map(
    (alg): Attack => [
      `alg ${alg}`,
      (c) => unsignedToken(header({ alg }), valid(c, { sub: String(c.adminId) })),
    ],
  ),
  [
    'alg none keeping the real signature',
    (c) => {
      const sig = c.token.split('.')[2]!;
      return unsignedToken(header({ alg: 'none' }), jwtPart(c.token, 1), sig);
    },
  ],
  ['alg missing', (c) => unsignedToken({ typ: 'at+jwt' }, valid(c))],
  // Keys that are not the server's.
  [
    'HS256 signed with another key',
    (c) => signHs256(header(), valid(c, { sub: String(c.adminId) }), ATTACKER_SECRET),
  ],
  ['HS256 signed with an empty key', (c) => signHs256(header(), valid(c), '')],
  [
    'HS512 signed with the server key',
    (c) => {
      // Right key, algorithm not allowed: the server signs and accepts HS256 only.
      const input = unsignedToken(header({ alg: 'HS512' }), valid(c)).slice(0, -1);
      return `${input}.${createHmac('sha512', TEST_SECRET).update(input).digest('base64url')}`;
    },
  ],
  // Tampering with a genuine token.
  [
    'payload edited (sub changed to the admin)',
    (c) => {
      const [h, , s] = c.token.split('.');
      const payload = { ...jwtPart(c.token, 1), sub: String(c.adminId) };
      return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    },
  ],
  ['signature stripped (trailing dot)', (c) => c.token.split('.').slice(0, 2).join('.') + '.'],
  ['signature stripped (two parts)', (c) => c.token.split('.').slice(0, 2).join('.')],
  [
    'signature of another token',
    (c) => {
      const other = signHs256(header(), valid(c, { sub: String(c.adminId) }), TEST_SECRET);
      return `${c.token.split('.').slice(0, 2).join('.')}.${other.split('.')[2]}`;
    },
  ],
  [
    'signature bit-flipped',
    (c) => {
      const sig = Buffer.from(c.token.split('.')[2]!, 'base64url');
      sig[0] = sig[0]! ^ 1;
      return `${c.token.split('.').slice(0, 2).join('.')}.${sig.toString('base64url')}`;
    },
  ],
  // Claims, correctly signed with the server's own key.
  ['expired', (c) => signHs256(header(), valid(c, { iat: now() - 7200, exp: now() - 3600 }), TEST_SECRET)],
  ['expired a second ago', (c) => signHs256(header(), valid(c, { exp: now() - 1 }), TEST_SECRET)],
  ['nbf in the future', (c) => signHs256(header(), valid(c, { nbf: now() + 3600 }), TEST_SECRET)],
  ['iat in the future', (c) => signHs256(header(), valid(c, { iat: now() + 3600 }), TEST_SECRET)],
  ['wrong iss', (c) => signHs256(header(), valid(c, { iss: 'https://evil.example' }), TEST_SECRET)],
  ['no iss', (c) => signHs256(header(), valid(c, { iss: undefined }), TEST_SECRET)],
  ['wrong aud', (c) => signHs256(header(), valid(c, { aud: 'another-service' }), TEST_SECRET)],
  ['aud as a list without ours', (c) => signHs256(header(), valid(c, { aud: ['a', 'b'] }), TEST_SECRET)],
  ['no exp', (c) => signHs256(header(), valid(c, { exp: undefined }), TEST_SECRET)],
  ['no jti', (c) => signHs256(header(), valid(c, { jti: undefined }), TEST_SECRET)],
  ['exp as a string', (c) => signHs256(header(), valid(c, { exp: String(now() + 600) }), TEST_SECRET)],
  ...['JWT', 'rt+jwt', 'AT+JWT ', '', 'application/at+jwt+x'].map(
    (typ): Attack => [`typ ${JSON.stringify(typ)}`, (c) => signHs256(header({ typ }), valid(c), TEST_SECRET)],
  ),
  ['typ missing', (c) => signHs256({ alg: 'HS256' }, valid(c), TEST_SECRET)],
  ...['0', '-1', '1.5', '1e3', 'admin', ' 1', '9007199254740993', '99999999'].map(
    (sub): Attack => [
      `sub ${JSON.stringify(sub)}`,
      (c) => signHs256(header(), valid(c, { sub }), TEST_SECRET),
    ],
  ),
  ['sub as a number', (c) => signHs256(header(), valid(c, { sub: c.adminId }), TEST_SECRET)],
  [
    'crit header the server does not understand',
    (c) => signHs256(header({ crit: ['x-evil'], 'x-evil': 1 }), valid(c), TEST_SECRET),
  ],
  // Headers pointing at the attacker's keys.
  [
    'kid path traversal signed with an empty key',
    (c) => signHs256(header({ kid: '../../../../../../dev/null' }), valid(c, { sub: String(c.adminId) }), ''),
  ],
  [
    'kid SQL injection signed with the injected key',
    (c) =>
      signHs256(
        header({ kid: "x' UNION SELECT 'attacker" }),
        valid(c, { sub: String(c.adminId) }),
        'attacker',
      ),
  ],
  [
    'jku to the attacker (ES256, attacker key)',
    (c) =>
      es256(
        { alg: 'ES256', typ: 'at+jwt', jku: 'http://127.0.0.1:1/jwks.json', kid: 'a' },
        valid(c, { sub: String(c.adminId) }),
      ),
  ],
  [
    'x5u to the attacker (ES256, attacker key)',
    (c) =>
      es256(
        { alg: 'ES256', typ: 'at+jwt', x5u: 'http://127.0.0.1:1/cert.pem' },
        valid(c, { sub: String(c.adminId) }),
      ),
  ],
  [
    'embedded jwk with the attacker key (ES256)',
    (c) => es256({ alg: 'ES256', typ: 'at+jwt', jwk: attacker.jwk }, valid(c, { sub: String(c.adminId) })),
  ],
  [
    'embedded symmetric jwk with the attacker secret (HS256)',
    (c) =>
      signHs256(
        header({ jwk: { kty: 'oct', k: Buffer.from(ATTACKER_SECRET).toString('base64url') } }),
        valid(c, { sub: String(c.adminId) }),
        ATTACKER_SECRET,
      ),
  ],
  [
    'jku with HS256 signed by the attacker',
    (c) => signHs256(header({ jku: 'http://127.0.0.1:1/jwks.json' }), valid(c), ATTACKER_SECRET),
  ],
  // Not a JWT at all.
  ['three dots', () => '...'],
  ['a.b.c', () => 'a.b.c'],
  [
    'header is not JSON',
    (c) => `${Buffer.from('not json').toString('base64url')}.${c.token.split('.').slice(1).join('.')}`,
  ],
  [
    'payload is a JSON array',
    () => signHs256(header(), [] as unknown as Record<string, unknown>, TEST_SECRET),
  ],
  ['payload is JSON null', () => `${Buffer.from(JSON.stringify(header())).toString('base64url')}.bnVsbA.x`],
  ['4 KB of base64url', () => 'A'.repeat(4096)],
  [
    'an 8 KB header under a foreign key',
    (c) => signHs256(header({ pad: 'x'.repeat(8 * 1024) }), valid(c), ATTACKER_SECRET),
  ],
];

const context = (): AttackContext => ({
  token: victim.token,
  userId: victim.user.id,
  adminId: target.root.id,
});

const REFUSED = ['INVALID_TOKEN', 'NOT_AUTHENTICATED'];

describe('forged and tampered access tokens', () => {
  it('the genuine token works (the baseline every attack below is a variation of)', async () => {
    const res = await target.req('GET', '/auth/me', { token: victim.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: victim.user.id });
    // The same claims, signed correctly by the server's key, are accepted: the refusals below are for cause.
    const twin = signHs256(header(), valid(context()), TEST_SECRET);
    expect((await target.req('GET', '/auth/me', { token: twin })).status).toBe(200);
  });

  it.each(ATTACKS)('%s → 401 on REST', async (_name, make) => {
    const token = make(context());
    for (const path of ['/auth/me', '/users', `/admin/users/${target.root.id}`]) {
      const res = await target.req('GET', path, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status, `${path} ${JSON.stringify(res.body)}`).toBe(401);
      expect(REFUSED).toContain((res.body as { code: string }).code);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  it.each(ATTACKS)('%s → 401 on tRPC, alone and in a batch', async (_name, make) => {
    const token = make(context());
    const single = await trpcCall(target.server, 'query', 'auth.me', undefined, token);
    expect(single.status, JSON.stringify(single.body)).toBe(401);
    expect(REFUSED).toContain(trpcError(single.body).code);

    const batch = await trpcBatch<unknown[]>(
      target.server,
      'query',
      [{ path: 'auth.me' }, { path: 'admin.stats' }, { path: 'users.list', input: {} }],
      token,
    );
    expect(batch.status).toBeLessThan(500);
    expect(batch.body).toHaveLength(3);
    for (const entry of batch.body) {
      expect(trpcError(entry)).toMatchObject({ httpStatus: 401 });
      expect(REFUSED).toContain(trpcError(entry).code);
    }
  });

  it('a malformed Authorization header is NOT_AUTHENTICATED, never a 500', async () => {
    for (const authorization of [
      'Bearer',
      'Bearer ',
      'Basic dXNlcjpwYXNz',
      `Token ${victim.token}`,
      `Bearer ${victim.token} extra`,
      `Bearer\t${victim.token}`,
      'Bearer ' + 'é'.repeat(10),
    ]) {
      const res = await fetch(`${target.server.url}/auth/me`, { headers: { authorization } });
      const body = (await res.json()) as { code: string };
      expect(res.status, authorization).toBe(401);
      expect(REFUSED).toContain(body.code);
    }
  });

  it('a token past the header size limit is refused by the HTTP layer (431) and the server answers on', async () => {
    const token = signHs256(header({ pad: 'x'.repeat(64 * 1024) }), valid(context()), TEST_SECRET);
    const res = await fetch(`${target.server.url}/auth/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await res.text();
    expect(res.status).toBe(431);
    expect((await target.req('GET', '/health')).status).toBe(200);
  });

  it('a correctly signed token for an account that no longer exists is refused', async () => {
    const gone = await registerAndLogin(target.server, 'gone');
    const del = await target.req('DELETE', `/admin/users/${gone.user.id}`, { token: target.rootToken });
    expect(del.status).toBe(204);
    const res = await target.req('GET', '/auth/me', { token: gone.token });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'INVALID_TOKEN' });
  });
});

describe('other token kinds used where they do not belong', () => {
  // Real tokens of every kind Roster issues, all of one account: its access and refresh tokens (login), a
  // password-reset and an email-verification token (read from the mail a real SMTP server received).
  type Kind = 'access' | 'refresh' | 'reset' | 'verify';
  let kinds: Record<Kind, string>;
  let owner: { email: string; password: string };

  beforeAll(async () => {
    const account = newAccount('kinds');
    owner = { email: account.email, password: account.password };
    await target.req('POST', '/auth/register', { json: account });
    const session = await target.req<{ access_token: string; refresh_token: string }>('POST', '/auth/login', {
      form: { username: account.email, password: account.password },
    });
    expect(session.status).toBe(200);
    expect(
      (await target.req('POST', '/auth/password/forgot', { json: { email: account.email } })).status,
    ).toBe(202);
    const reset = linkOf(await inbox.waitFor(account.email)).token;
    const asked = await target.req('POST', '/auth/verify/request', { token: session.body.access_token });
    expect(asked.status).toBe(202);
    const verify = linkOf(await inbox.waitFor(account.email)).token;
    kinds = { access: session.body.access_token, refresh: session.body.refresh_token, reset, verify };
    // Four different secrets: none of them is another's.
    expect(new Set(Object.values(kinds)).size).toBe(4);
    expect(kinds.access.length).toBeGreaterThan(256);
  });

  it.each(['refresh', 'reset', 'verify'] as const)(
    'a %s token presented as a bearer access token → 401 on REST, tRPC and in a batch',
    async (kind) => {
      const token = kinds[kind];
      for (const path of ['/auth/me', '/users', `/admin/users/${target.root.id}`, '/auth/sessions']) {
        const res = await target.req('GET', path, { token });
        expect(res.status, `${path} ${JSON.stringify(res.body)}`).toBe(401);
        expect(res.body).toMatchObject({ code: 'INVALID_TOKEN' });
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
      }
      const single = await trpcCall(target.server, 'query', 'auth.me', undefined, token);
      expect(single.status, JSON.stringify(single.body)).toBe(401);
      expect(trpcError(single.body).code).toBe('INVALID_TOKEN');
      const batch = await trpcBatch<unknown[]>(
        target.server,
        'query',
        [{ path: 'auth.me' }, { path: 'auth.sessions' }, { path: 'users.list', input: {} }],
        token,
      );
      expect(batch.status).toBeLessThan(500);
      for (const entry of batch.body) {
        expect(trpcError(entry)).toEqual({ code: 'INVALID_TOKEN', httpStatus: 401 });
      }
    },
  );

  /** Where a token is spent other than as a bearer token, and how each refuses one that is not its own kind. */
  const CONSUMERS = {
    refresh: {
      rest: (t: string) => ['/auth/refresh', { refresh_token: t }] as const,
      trpc: (t: string) => ({ path: 'auth.refresh', input: { refresh_token: t } }),
      refused: { status: 401, code: 'INVALID_REFRESH_TOKEN' },
    },
    reset: {
      rest: (t: string) =>
        ['/auth/password/reset', { token: t, new_password: 'an attacker password' }] as const,
      trpc: (t: string) => ({
        path: 'auth.resetPassword',
        input: { token: t, new_password: 'an attacker password' },
      }),
      refused: { status: 400, code: 'INVALID_OR_EXPIRED_TOKEN' },
    },
    verify: {
      rest: (t: string) => ['/auth/verify', { token: t }] as const,
      trpc: (t: string) => ({ path: 'auth.verifyEmail', input: { token: t } }),
      refused: { status: 400, code: 'INVALID_OR_EXPIRED_TOKEN' },
    },
  };
  // An access token is a JWT longer than any opaque token may be (256): it is refused as invalid input before
  // any lookup. Opaque tokens of another kind pass validation and are refused by the lookup, as unknown ones are.
  const refusalOf = (kind: Kind, consumer: keyof typeof CONSUMERS) =>
    kind === 'access' ? { status: 422, code: 'VALIDATION_ERROR' } : CONSUMERS[consumer].refused;

  const MISUSES = (['access', 'refresh', 'reset', 'verify'] as const).flatMap((kind) =>
    (['refresh', 'reset', 'verify'] as const)
      .filter((consumer) => consumer !== kind)
      .map((consumer) => [kind, consumer] as const),
  );

  it.each(MISUSES)(
    'a %s token presented as a %s token is refused on REST and tRPC',
    async (kind, consumer) => {
      const { rest, trpc } = CONSUMERS[consumer];
      const expected = refusalOf(kind, consumer);
      const [path, json] = rest(kinds[kind]);
      const res = await target.req('POST', path, { json });
      expect(res.status, JSON.stringify(res.body)).toBe(expected.status);
      expect(res.body).toMatchObject({ code: expected.code });
      const call = trpc(kinds[kind]);
      const single = await trpcCall(target.server, 'mutation', call.path, call.input);
      expect(trpcError(single.body), JSON.stringify(single.body)).toEqual({
        code: expected.code,
        httpStatus: expected.status,
      });
    },
  );

  it('an access token as each other kind, in one batch: every call refused, none a 500', async () => {
    const calls = (['refresh', 'reset', 'verify'] as const).map((c) => CONSUMERS[c].trpc(kinds.access));
    const batch = await trpcBatch<unknown[]>(target.server, 'mutation', calls, kinds.access);
    expect(batch.status).toBeLessThan(500);
    expect(batch.body).toHaveLength(3);
    (['refresh', 'reset', 'verify'] as const).forEach((consumer, i) => {
      const expected = refusalOf('access', consumer);
      expect(trpcError(batch.body[i])).toEqual({ code: expected.code, httpStatus: expected.status });
    });
  });

  it('after every misuse, each genuine token still does its own job (none was spent by a refusal)', async () => {
    const verified = await target.req('POST', '/auth/verify', { json: { token: kinds.verify } });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expect(verified.body).toMatchObject({ email: owner.email, is_verified: true });
    const refreshed = await target.req('POST', '/auth/refresh', { json: { refresh_token: kinds.refresh } });
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    const reset = await target.req('POST', '/auth/password/reset', {
      json: { token: kinds.reset, new_password: 'a brand new password' },
    });
    expect(reset.status, JSON.stringify(reset.body)).toBe(204);
    const login = await target.req('POST', '/auth/login', {
      form: { username: owner.email, password: 'a brand new password' },
    });
    expect(login.status).toBe(200);
  });
});
