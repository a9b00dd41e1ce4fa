import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextInner, parseIfMatch } from './context.js';
import { toErrorResponse } from './errors.js';
import { AdminService } from './services/admin.js';
import { AuditService } from './services/audit.js';
import { AuthService } from './services/auth.js';
import { UserService } from './services/users.js';
import { createServices } from './unit-of-work.js';
import { createHarness, type Harness } from './test/harness.js';

describe('parseIfMatch', () => {
  it.each([
    ['"3"', 3],
    ['W/"3"', 3],
    ['3', 3],
    ['  "42"  ', 42],
    ['"1234567890"', 1_234_567_890],
    ['*', '*'],
    [' * ', '*'],
  ])('reads %j as %j', (header, version) => {
    expect(parseIfMatch(header)).toBe(version);
  });

  it.each([null, undefined, '', '  '])('reads %j as no condition', (header) => {
    expect(parseIfMatch(header)).toBeNull();
  });

  it.each(['garbage', '"abc"', '"-1"', '"0"', '"1.5"', 'w/"3"', '"3", "4"', '"12345678901"', '"2147483648"'])(
    'refuses %j with a validation error on If-Match',
    (header) => {
      const error = (() => {
        try {
          parseIfMatch(header);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(toErrorResponse(error).status).toBe(422);
      expect(toErrorResponse(error).body).toMatchObject({
        code: 'VALIDATION_ERROR',
        issues: [{ path: ['If-Match'] }],
      });
    },
  );
});

describe('createContextInner', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  it('keeps what the request says and no unit of work: each call forks its own EntityManager', () => {
    const ctx = createContextInner({ deps: h.deps, ifMatch: 'W/"7"', ip: '192.0.2.1', userAgent: 'ua' });
    expect(ctx).toMatchObject({ ifMatch: 'W/"7"', ip: '192.0.2.1', userAgent: 'ua', authorization: null });
    expect(ctx).not.toHaveProperty('em');
    const [one, two] = [ctx.forkEm(), ctx.forkEm()];
    expect(one).not.toBe(two);
    expect(one).not.toBe(h.db.orm.em);
  });

  it('keeps the raw If-Match header for the procedures that honour it', () => {
    expect(createContextInner({ deps: h.deps }).ifMatch).toBeNull();
    expect(createContextInner({ deps: h.deps, ifMatch: null }).ifMatch).toBeNull();
    expect(createContextInner({ deps: h.deps, ifMatch: '"v3"' }).ifMatch).toBe('"v3"');
  });
});

describe('createServices', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  it('wires the services of one unit of work over the EntityManager it is given', () => {
    const em = h.db.orm.em.fork();
    const services = createServices(h.deps, em, { ip: '192.0.2.1', userAgent: 'ua' });
    expect(services.em).toBe(em);
    expect(services.audit).toBeInstanceOf(AuditService);
    expect(services.users).toBeInstanceOf(UserService);
    expect(services.auth).toBeInstanceOf(AuthService);
    expect(services.admin).toBeInstanceOf(AdminService);
  });
});
