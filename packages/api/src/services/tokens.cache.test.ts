import { afterEach, describe, expect, it, vi } from 'vitest';
import { TokenService } from './tokens.js';

const settings = {
  secret: 'cache-test-secret-key-0123456789abcdef',
  accessTokenTtlSeconds: 60,
  issuer: 'i',
  audience: 'a',
};

afterEach(() => {
  vi.useRealTimers();
});

const SID = 'session-id-0123456789';

describe('TokenService verified-token cache', () => {
  it('answers a repeat verification without checking the signature again', async () => {
    const tokens = new TokenService(settings);
    const token = await tokens.issueAccessToken(7, SID);
    const first = await tokens.verifyAccessToken(token);
    const again = await tokens.verifyAccessToken(token);
    expect(again).toBe(first);
    expect(again.userId).toBe(7);
  });

  it('forgets a remembered token once it expires, and refuses it', async () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z'), toFake: ['Date'] });
    const tokens = new TokenService(settings);
    const token = await tokens.issueAccessToken(7, SID);
    await tokens.verifyAccessToken(token);
    vi.setSystemTime(new Date('2026-01-01T00:01:01Z'));
    await expect(tokens.verifyAccessToken(token)).rejects.toMatchObject({ appCode: 'INVALID_TOKEN' });
  });

  it('never remembers a token that failed', async () => {
    const tokens = new TokenService(settings, 2);
    const forged = `${(await tokens.issueAccessToken(1, SID)).slice(0, -4)}AAAA`;
    await expect(tokens.verifyAccessToken(forged)).rejects.toMatchObject({ appCode: 'INVALID_TOKEN' });
    await expect(tokens.verifyAccessToken(forged)).rejects.toMatchObject({ appCode: 'INVALID_TOKEN' });
  });

  it('stays bounded: the oldest entry makes room, and still verifies the slow way', async () => {
    const tokens = new TokenService(settings, 2);
    const [a, b, c] = await Promise.all([1, 2, 3].map((id) => tokens.issueAccessToken(id, SID)));
    const first = await tokens.verifyAccessToken(a!);
    await tokens.verifyAccessToken(b!);
    await tokens.verifyAccessToken(c!);
    const again = await tokens.verifyAccessToken(a!);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});
