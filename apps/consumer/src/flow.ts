import { createRosterClient, registeredUser, type RouterOutputs } from '@roster/sdk';

type User = RouterOutputs['auth']['me'];

/** What one run of the flow did, as the app reports it. */
export interface FlowSummary {
  url: string;
  /** The account the flow registered (a fresh one on every run). */
  account: Pick<User, 'id' | 'username' | 'email'>;
  /** Seconds the access token from login is valid for. */
  tokenExpiresIn: number;
  /** The profile after the update, as auth.me reads it back. */
  profile: Pick<User, 'full_name' | 'bio'>;
  /** How many users users.list returned, and whether the new account was among them. */
  usersListed: number;
  selfListed: boolean;
  /** True once logout() has cleared the kept token. */
  loggedOut: boolean;
}

/** A unique, valid username (3–100 of letters, digits, "_", "." and "-"). */
function freshName(): string {
  return `consumer_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * The whole account flow through the SDK: register a fresh account, log in (the client keeps the token), read
 * the current account, update its profile, list users, log out. Any failure rejects with a RosterError.
 */
export async function runFlow(url: string): Promise<FlowSummary> {
  const roster = createRosterClient({ url });
  const username = freshName();
  const password = `pw-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;

  // The account record (REQUIRE_VERIFIED_EMAIL=true answers an acceptance instead, and this flow cannot log in).
  const created = registeredUser(
    await roster.register({ email: `${username}@example.com`, username, password }),
  );
  const login = await roster.login({ username, password });
  const me = await roster.auth.me.query();
  await roster.users.updateMe.mutate({ full_name: 'Consumer App', bio: `Registered by ${username}.` });
  const after = await roster.auth.me.query();
  const users = await roster.users.list.query({ limit: 100 });
  await roster.logout();

  return {
    url,
    account: { id: me.id, username: me.username, email: me.email },
    tokenExpiresIn: login.expires_in,
    profile: { full_name: after.full_name, bio: after.bio },
    usersListed: users.length,
    selfListed: users.some((user) => user.id === created.id),
    loggedOut: (await roster.getToken()) === null,
  };
}
