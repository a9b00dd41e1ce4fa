import type { SessionSnapshot, UserSnapshot } from '@roster/api';

/** Auth-cache entries as an instance would hold them, for tests of the cache and its invalidation bus. */
const at = new Date();

export const user = (id: number): UserSnapshot => ({
  id,
  email: `u${id}@example.com`,
  username: `u${id}`,
  fullName: null,
  bio: null,
  role: 'user',
  isActive: true,
  isVerified: false,
  createdAt: at,
  updatedAt: at,
  lastLoginAt: null,
  version: 1,
});

export const session = (id: string, userId: number): SessionSnapshot => ({
  id,
  userId,
  createdAt: at,
  lastUsedAt: at,
  expiresAt: new Date(at.getTime() + 3_600_000),
});
