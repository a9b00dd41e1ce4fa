import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, newAccount, register } from '../test/accounts.js';
import { auditLog, startWithRoot, type AdminSession } from '../test/admin.js';
import { startTestServer, type TestServer } from '../test/harness.js';

// Security headers (helmet), CORS from ALLOWED_ORIGINS, and X-Forwarded-For believed only with TRUST_PROXY.

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

function csp(res: Response): Map<string, string> {
  const header = res.headers.get('content-security-policy') ?? '';
  return new Map(
    header
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name = '', ...values] = d.split(/\s+/);
        return [name, values.join(' ')];
      }),
  );
}

describe('security headers', () => {
  it('go on every response: REST, tRPC, errors, health and metrics', async () => {
    for (const path of ['/health', '/auth/me', '/trpc/auth.me', '/nope', '/openapi.json', '/metrics']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(res.headers.get('strict-transport-security'), path).toMatch(/^max-age=\d+/);
      expect(res.headers.get('cross-origin-resource-policy'), path).toBe('same-site');
      expect(res.headers.get('x-powered-by'), path).toBeNull();
      // Document-only headers are left off JSON answers (they mean nothing there).
      for (const name of ['cross-origin-opener-policy', 'origin-agent-cluster', 'x-dns-prefetch-control']) {
        expect(res.headers.get(name), `${path} ${name}`).toBeNull();
      }
      expect(Object.fromEntries(csp(res)), path).toEqual({
        'default-src': "'none'",
        'frame-ancestors': "'none'",
      });
    }
  });

  it('let /docs load its own scripts, styles and images, and nothing from elsewhere', async () => {
    for (const path of ['/docs', '/docs/swagger-ui-bundle.js']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status).toBe(200);
      const policy = csp(res);
      expect(policy.get('default-src')).toBe("'self'");
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(policy.get('script-src')).toBe("'self'"); // no inline script, no eval
      expect(policy.get('img-src')).toBe("'self' data:");
      expect(policy.get('connect-src')).toBe("'self'");
      expect(policy.get('frame-ancestors')).toBe("'none'");
      expect(policy.has('upgrade-insecure-requests')).toBe(false);
    }
  });
});

describe('CORS', () => {
  it('answers * without credentials when ALLOWED_ORIGINS is *, even alongside listed origins', async () => {
    for (const origins of ['*', 'https://app.example,*']) {
      const open = await startTestServer({ ALLOWED_ORIGINS: origins });
      try {
        const res = await fetch(`${open.url}/health`, { headers: { origin: 'https://anyone.example' } });
        expect(res.headers.get('access-control-allow-origin')).toBe('*');
        expect(res.headers.get('access-control-allow-credentials')).toBeNull();
        const preflight = await fetch(`${open.url}/users/me`, {
          method: 'OPTIONS',
          headers: {
            origin: 'https://app.example',
            'access-control-request-method': 'PUT',
            'access-control-request-headers': 'authorization',
          },
        });
        expect(preflight.status).toBe(204);
        expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
        expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
      } finally {
        await open.close();
      }
    }
  });

  it('echoes a listed origin with credentials and Vary: Origin, never a wildcard', async () => {
    const listed = await startTestServer({ ALLOWED_ORIGINS: 'https://app.example' });
    try {
      const res = await fetch(`${listed.url}/health`, { headers: { origin: 'https://app.example' } });
      expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
      expect(res.headers.get('vary')).toMatch(/origin/i);
      const other = await fetch(`${listed.url}/health`, { headers: { origin: 'https://evil.example' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      expect(other.headers.get('access-control-allow-credentials')).toBeNull();
    } finally {
      await listed.close();
    }
  });
});

describe('TRUST_PROXY', () => {
  // A client sent its own X-Forwarded-For (198.51.100.9); the proxy appended the address it really came from.
  const FORWARDED = { 'x-forwarded-for': '198.51.100.9, 203.0.113.7', 'x-forwarded-proto': 'https' };

  async function loginThroughProxy(s: AdminSession, reqId: string) {
    const account = newAccount('proxied');
    await register(s.server, account);
    const res = await fetch(`${s.server.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-request-id': reqId, ...FORWARDED },
      body: new URLSearchParams({ username: account.username, password: account.password }).toString(),
    });
    expect(res.status).toBe(200);
    const [event] = await auditLog(s, { action: 'auth.login_succeeded' });
    const line = s.server.logs.find((l) => l.msg === 'request' && l.reqId === reqId);
    return { auditIp: event?.ip, logIp: line?.ip };
  }

  it('is off by default: X-Forwarded-For is not believed', async () => {
    const s = await startWithRoot();
    try {
      const seen = await loginThroughProxy(s, 'direct');
      expect(seen.auditIp).toMatch(/127\.0\.0\.1$/);
      expect(seen.logIp).toMatch(/127\.0\.0\.1$/);
    } finally {
      await s.server.close();
    }
  });

  it('when on, the client address is the entry the proxy appended, not one the client made up', async () => {
    const s = await startWithRoot({ TRUST_PROXY: 'true' });
    try {
      expect(s.server.config.trustProxy).toBe(true);
      const seen = await loginThroughProxy(s, 'proxied');
      expect(seen).toEqual({ auditIp: '203.0.113.7', logIp: '203.0.113.7' });
      // Without the header the socket address is used, as before.
      expect((await login(s.server, 'nobody', 'nothing')).status).toBe(401);
      const [failed] = await auditLog(s, { action: 'auth.login_failed' });
      expect(failed?.ip).toMatch(/127\.0\.0\.1$/);
    } finally {
      await s.server.close();
    }
  });
});
