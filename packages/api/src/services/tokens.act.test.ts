import { decodeJwt, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { TEST_SETTINGS } from '../test/harness.js';
import { ACCESS_TOKEN_TYPE, TokenService } from './tokens.js';

// The `act` claim of impersonation tokens (RFC 8693): issued only when asked, verified strictly.

const jwt = TEST_SETTINGS.jwt;
const tokens = new TokenService(jwt);
const SID = 'session-id-0123456789';
const now = () => Math.floor(Date.now() / 1000);

function withAct(act: unknown): Promise<string> {
  return new SignJWT({ sid: SID, act })
    .setProtectedHeader({ alg: 'HS256', typ: ACCESS_TOKEN_TYPE })
    .setSubject('42')
    .setIssuer(jwt.issuer)
    .setAudience(jwt.audience)
    .setIssuedAt()
    .setExpirationTime(now() + 600)
    .setJti('jti-act')
    .sign(new TextEncoder().encode(jwt.secret));
}

describe('impersonation tokens', () => {
  it('carry act.sub and a shorter lifetime when asked, and verify to actorId', async () => {
    const token = await tokens.issueAccessToken(42, SID, { actorId: 7, ttlSeconds: 60 });
    const claims = decodeJwt(token);
    expect(claims.act).toEqual({ sub: '7' });
    expect(claims.exp! - claims.iat!).toBe(60);
    expect(await tokens.verifyAccessToken(token)).toMatchObject({ userId: 42, sessionId: SID, actorId: 7 });
  });

  it('are the only ones with an actor: an ordinary token has no act and no actorId', async () => {
    const token = await tokens.issueAccessToken(42, SID);
    expect(decodeJwt(token)).not.toHaveProperty('act');
    expect(await tokens.verifyAccessToken(token)).not.toHaveProperty('actorId');
  });

  it.each([
    ['a string', 'admin'],
    ['a numeric sub', { sub: 7 }],
    ['no sub', {}],
    ['a sub that is not canonical', { sub: '07' }],
    ['a list', [{ sub: '7' }]],
    ['null', null],
  ])('refuses an act that is %s as INVALID_TOKEN', async (_label, act) => {
    await expect(tokens.verifyAccessToken(await withAct(act))).rejects.toMatchObject({
      appCode: 'INVALID_TOKEN',
    });
  });
});
