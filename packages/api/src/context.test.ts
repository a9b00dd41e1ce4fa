import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextInner, parseIfMatch } from './context.js';
import { AdminService } from './services/admin.js';
import { AuditService } from './services/audit.js';
import { AuthService } from './services/auth.js';
import { UserService } from './services/users.js';
import { createHarness, type Harness } from './test/harness.js';

describe('parseIfMatch', () => {
  it.each([
    ['"3"', 3],
    ['W/"3"', 3],
    ['3', 3],
    ['  "42"  ', 42],
    ['"0"', 0],
    ['"1234567890"', 1_234_567_890],
  ])('reads %j as %j', (header, version) => {
    expect(parseIfMatch(header)).toBe(version);
  });

  it.each([
    null,
    undefined,
    '',
    '*',
    'garbage',
    '"abc"',
    '"-1"',
    '"1.5"',
    'w/"3"',
    '"3", "4"',
    '"12345678901"',
  ])('reads %j as no version', (header) => {
    expect(parseIfMatch(header)).toBeNull();
  });
});

describe('createContextInner', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  it('parses If-Match and wires the services over one EntityManager', () => {
    const em = h.db.orm.em.fork();
    const ctx = createContextInner({ deps: h.deps, em, ifMatch: 'W/"7"', ip: '192.0.2.1', userAgent: 'ua' });
    expect(ctx.em).toBe(em);
    expect(ctx).toMatchObject({ ifMatch: 7, ip: '192.0.2.1', userAgent: 'ua', authorization: null });
    expect(ctx.audit).toBeInstanceOf(AuditService);
    expect(ctx.users).toBeInstanceOf(UserService);
    expect(ctx.auth).toBeInstanceOf(AuthService);
    expect(ctx.admin).toBeInstanceOf(AdminService);
  });

  it('has no expected version without an If-Match header, or with one it cannot read', () => {
    expect(createContextInner({ deps: h.deps }).ifMatch).toBeNull();
    expect(createContextInner({ deps: h.deps, ifMatch: null }).ifMatch).toBeNull();
    expect(createContextInner({ deps: h.deps, ifMatch: '"v3"' }).ifMatch).toBeNull();
  });
});
