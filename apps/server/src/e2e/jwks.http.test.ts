import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@roster/testing';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAccount, register } from '../test/accounts.js';
import { http, startOnDatabase, startTestServer, TEST_SECRET, type TestServer } from '../test/harness.js';
import { claims, signHs256 } from '../test/jwt.js';

// Asymmetric access tokens: EdDSA and ES256 keys from JWT_PRIVATE_KEY (inline PEM or a file), their public halves
// at /.well-known/jwks.json, tokens any party verifies with that JWKS alone, and a key rotation.

type Jwks = { keys: (JWK & { kid: string })[] };

const pem = (kind: 'ed25519' | 'ec') =>
  (kind === 'ed25519'
    ? generateKeyPairSync('ed25519')
    : generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  ).privateKey
    .export({ type: 'pkcs8', format: 'pem' })
    .toString();

const dir = mkdtempSync(join(tmpdir(), 'roster-jwks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const jwks = async (server: TestServer) => {
  const res = await http<Jwks>(server.url, 'GET', '/.well-known/jwks.json');
  expect(res.status).toBe(200);
  return res;
};

/** A fresh account's access token on `server`. */
async function tokenOn(server: TestServer, fields = newAccount('jwks')): Promise<string> {
  await register(server, fields).catch(() => undefined);
  const res = await http<{ access_token: string }>(server.url, 'POST', '/auth/login', {
    form: { username: fields.email, password: fields.password },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.access_token;
}

const meStatus = async (server: TestServer, token: string) =>
  (await http(server.url, 'GET', '/auth/me', { token })).status;

/** What a relying party does: verify with the published JWKS only. */
async function verifyWithJwks(server: TestServer, token: string) {
  const { body } = await jwks(server);
  return jwtVerify(token, createLocalJWKSet(body), {
    issuer: server.config.jwtIssuer,
    audience: server.config.jwtAudience,
    typ: 'at+jwt',
  });
}

describe('HS256 (the default)', () => {
  it('publishes an empty JWKS', async () => {
    const server = await startTestServer();
    try {
      const res = await jwks(server);
      expect(res.body).toEqual({ keys: [] });
      expect(res.headers.get('cache-control')).toBe('public, max-age=300');
      expect(decodeProtectedHeader(await tokenOn(server))).toEqual({ alg: 'HS256', typ: 'at+jwt' });
    } finally {
      await server.close();
    }
  });
});

describe.each([
  { alg: 'EdDSA', kind: 'ed25519', kty: 'OKP', given: 'inline PEM' },
  { alg: 'ES256', kind: 'ec', kty: 'EC', given: 'file path' },
] as const)('JWT_ALGORITHM=$alg with JWT_PRIVATE_KEY as $given', ({ alg, kind, kty, given }) => {
  let server: TestServer;
  const key = pem(kind);
  beforeAll(async () => {
    let value = key.replace(/\n/g, '\\n'); // one line, as in an .env file
    if (given === 'file path') {
      value = join(dir, `${alg}.pem`);
      writeFileSync(value, key, { mode: 0o600 });
    }
    server = await startTestServer({ JWT_ALGORITHM: alg, JWT_PRIVATE_KEY: value });
  });
  afterAll(() => server?.close());

  it('publishes the public key with its kid, and nothing private', async () => {
    const { body } = await jwks(server);
    expect(body.keys).toHaveLength(1);
    const [jwk] = body.keys;
    expect(jwk).toMatchObject({ kty, alg, use: 'sig', kid: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(jwk).not.toHaveProperty('d');
  });

  it('signs tokens any party verifies against that JWKS alone', async () => {
    const token = await tokenOn(server);
    const { payload, protectedHeader } = await verifyWithJwks(server, token);
    expect(protectedHeader).toMatchObject({
      alg,
      typ: 'at+jwt',
      kid: (await jwks(server)).body.keys[0]?.kid,
    });
    expect(payload).toMatchObject({ sid: expect.any(String), sub: expect.any(String) });
    expect(await meStatus(server, token)).toBe(200);
  });

  it('refuses an HS256 token made with the server secret (no algorithm confusion)', async () => {
    const forged = signHs256(
      { alg: 'HS256', typ: 'at+jwt' },
      {
        ...claims({ sub: 1, iss: server.config.jwtIssuer, aud: server.config.jwtAudience }),
        sid: 'A'.repeat(22),
      },
      TEST_SECRET,
    );
    expect(await meStatus(server, forged)).toBe(401);
  });
});

describe('rotation: a new JWT_PRIVATE_KEY with JWT_PREVIOUS_KEY set to the old one', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  it('keeps old tokens working and publishes both keys, until the old key is dropped', async () => {
    const [oldKey, newKey] = [pem('ed25519'), pem('ed25519')];
    const fields = newAccount('rotate');
    const before = await startOnDatabase(database, { JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY: oldKey });
    const oldToken = await tokenOn(before, fields);
    const oldKid = (await jwks(before)).body.keys[0]?.kid;
    await before.close();

    const during = await startOnDatabase(database, {
      JWT_ALGORITHM: 'EdDSA',
      JWT_PRIVATE_KEY: newKey,
      JWT_PREVIOUS_KEY: oldKey,
    });
    try {
      const kids = (await jwks(during)).body.keys.map((k) => k.kid);
      expect(kids).toHaveLength(2);
      expect(kids).toContain(oldKid);
      expect(await meStatus(during, oldToken)).toBe(200);
      await verifyWithJwks(during, oldToken);
      const newToken = await tokenOn(during, fields);
      expect(decodeProtectedHeader(newToken).kid).toBe(kids.find((k) => k !== oldKid));
      await verifyWithJwks(during, newToken);
    } finally {
      await during.close();
    }

    const after = await startOnDatabase(database, { JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY: newKey });
    try {
      expect((await jwks(after)).body.keys.map((k) => k.kid)).not.toContain(oldKid);
      expect(await meStatus(after, oldToken)).toBe(401);
    } finally {
      await after.close();
    }
  });

  it('refuses to start with a key of the other algorithm', async () => {
    await expect(
      startOnDatabase(database, { JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: pem('ed25519') }),
    ).rejects.toThrow(/does not match JWT_ALGORITHM=ES256/);
  });
});

describe('development without JWT_PRIVATE_KEY', () => {
  it('generates a key file in DATA_DIR (0600) once and signs with it after a restart', async () => {
    const dataDir = join(dir, 'dev-data');
    const database = await createTestDatabase();
    const env = { NODE_ENV: 'development', LOG_FORMAT: 'json', DATA_DIR: dataDir, JWT_ALGORITHM: 'ES256' };
    try {
      const first = await startOnDatabase(database, env);
      const kid = (await jwks(first)).body.keys[0]?.kid;
      const fields = newAccount('dev');
      const token = await tokenOn(first, fields);
      await first.close();
      const file = join(dataDir, 'jwt-es256.pem');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const content = readFileSync(file, 'utf8');
      expect(content).toMatch(/^-----BEGIN PRIVATE KEY-----/);

      const second = await startOnDatabase(database, env);
      try {
        expect((await jwks(second)).body.keys.map((k) => k.kid)).toEqual([kid]);
        expect(await meStatus(second, token)).toBe(200);
        expect(readFileSync(file, 'utf8')).toBe(content);
        expect(second.rawLogs()).not.toContain(content.split('\n')[1]);
      } finally {
        await second.close();
      }
    } finally {
      await database.drop();
    }
  });
});
