import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRosterClient, isRegistrationAccepted, registeredUser } from './index.js';
import { newUser, spawnServer, type SpawnedServer } from './test/server.js';

// Registration answers the new account by default, and only an acceptance when the server requires verified
// emails (the same answer for a new and a known address): the client tells the two apart.
let open: SpawnedServer;
let quiet: SpawnedServer;
beforeAll(async () => {
  [open, quiet] = await Promise.all([
    spawnServer(),
    spawnServer({ env: { REQUIRE_VERIFIED_EMAIL: 'true' } }),
  ]);
});
afterAll(async () => {
  await Promise.all([open?.close(), quiet?.close()]);
});

describe('register results', () => {
  it('by default: the account record', async () => {
    const input = newUser('rec');
    const result = await createRosterClient({ url: open.url }).register(input);
    expect(isRegistrationAccepted(result)).toBe(false);
    expect(registeredUser(result)).toMatchObject({ username: input.username, is_verified: false });
  });

  it('with REQUIRE_VERIFIED_EMAIL=true: the same acceptance for a new and a known email', async () => {
    const client = createRosterClient({ url: quiet.url });
    const input = newUser('acc');
    const first = await client.register(input);
    const again = await client.register({ ...newUser('acc2'), email: input.email });
    expect(first).toEqual({ detail: 'Check your inbox to confirm your address' });
    expect(again).toEqual(first);
    expect(isRegistrationAccepted(first)).toBe(true);
    expect(() => registeredUser(first)).toThrow(/accepted the registration without an account record/);
  });
});
