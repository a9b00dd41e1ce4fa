import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { ApiKey, type User } from '@roster/db';
import { AppError } from '../errors.js';
import type { CreateApiKeyInput } from '../schemas/api-keys.js';
import { ADMIN_SCOPES, API_KEY_PREFIX, type ApiKeyScope } from '../scopes.js';
import { inTransaction, type AuditService } from './audit.js';
import { hashToken } from './secrets.js';
import type { UserService } from './users.js';

/** Live (unrevoked, unexpired) keys one account may hold at once. */
export const MAX_LIVE_KEYS = 25;
/** `last_used_at` is written at most this often per key: a key used all day costs one write a minute. */
export const KEY_TOUCH_INTERVAL_MS = 60_000;
/** How much of a key lists show: `rst_` and 8 characters (48 of its 256 bits), to recognise it, never to use it. */
const PREFIX_LENGTH = API_KEY_PREFIX.length + 8;
const DAY_MS = 86_400_000;

/** A new key: `rst_` and 256 random bits, base64url. */
export function newApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** True for a bearer credential that is an API key rather than an access token (a JWT never starts so). */
export function isApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

export interface KeyAuthenticated {
  user: User;
  key: ApiKey;
}

/**
 * API keys: created by their owner (shown once, stored as SHA-256: 256 random bits need no slow hash), listed,
 * revoked by the owner or an admin, and checked on every use against the database as it is now — in the call's
 * own unit of work, with no cache — so a revoked key, or a deactivated, deleted or demoted owner, is refused on
 * the very next request, on every instance.
 */
export class ApiKeyService {
  constructor(
    private readonly em: EntityManager,
    private readonly users: UserService,
    private readonly audit: AuditService,
  ) {}

  /** Creates a key for `owner`; admin scopes only for admins (and honoured only while they stay admins). */
  async create(owner: User, input: CreateApiKeyInput): Promise<{ key: ApiKey; secret: string }> {
    if (owner.role !== 'admin' && input.scopes.some((scope) => ADMIN_SCOPES.includes(scope))) {
      throw new AppError('FORBIDDEN', 'Admin scopes need the admin role');
    }
    const secret = newApiKey();
    const now = new Date();
    const key = await inTransaction(this.em, async () => {
      const live = await this.em.count(ApiKey, {
        userId: owner.id,
        revokedAt: null,
        expiresAt: { $gt: now },
      });
      if (live >= MAX_LIVE_KEYS) throw new AppError('API_KEY_LIMIT');
      const created = this.em.create(ApiKey, {
        userId: owner.id,
        name: input.name,
        prefix: secret.slice(0, PREFIX_LENGTH),
        keyHash: hashToken(secret),
        scopes: [...input.scopes],
        createdAt: now,
        expiresAt: new Date(now.getTime() + input.expires_in_days * DAY_MS),
      });
      await this.em.flush();
      this.audit.record('api_key.created', {
        actorId: owner.id,
        targetId: owner.id,
        details: this.describe(created),
      });
      await this.em.flush();
      return created;
    });
    return { key, secret };
  }

  /** An account's keys that are not revoked (expired ones included, so their owner sees why they stopped). */
  list(userId: number): Promise<ApiKey[]> {
    return this.em.find(
      ApiKey,
      { userId, revokedAt: null },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: 500 },
    );
  }

  /** An account's keys, for admins (404 for an unknown account). */
  async listFor(userId: number): Promise<ApiKey[]> {
    await this.users.getById(userId);
    return this.list(userId);
  }

  /**
   * Revokes a key: the owner's own (`ownerId` given), or any account's (an admin). Unknown, someone else's and
   * already revoked keys are all API_KEY_NOT_FOUND. Audited in the same transaction.
   */
  async revoke(keyId: number, actor: User, ownerId?: number): Promise<void> {
    await inTransaction(this.em, async () => {
      const where = ownerId === undefined ? { id: keyId } : { id: keyId, userId: ownerId };
      const key = await this.em.findOne(ApiKey, { ...where, revokedAt: null });
      const revokedAt = new Date();
      if (
        !key ||
        (await this.em.nativeUpdate(ApiKey, { id: key.id, revokedAt: null }, { revokedAt })) === 0
      ) {
        throw new AppError('API_KEY_NOT_FOUND');
      }
      this.audit.record(ownerId === undefined ? 'admin.api_key_revoked' : 'api_key.revoked', {
        actorId: actor.id,
        targetId: key.userId,
        details: this.describe(key),
      });
      await this.em.flush();
    });
  }

  /**
   * The key and its owner behind a bearer `rst_…`, as the database says now: an unknown, revoked or expired key
   * and a deactivated or deleted owner are all 401 INVALID_TOKEN. Scopes are the caller's to check (access.ts).
   */
  async authenticate(token: string): Promise<KeyAuthenticated> {
    const key = await this.em.findOne(ApiKey, { keyHash: hashToken(token) });
    const now = Date.now();
    if (!key || key.revokedAt !== null) throw new AppError('INVALID_TOKEN');
    if (key.expiresAt.getTime() <= now) throw new AppError('INVALID_TOKEN', 'API key has expired');
    const user = await this.users.findById(key.userId);
    if (!user) throw new AppError('INVALID_TOKEN');
    if (!user.isActive) throw new AppError('INVALID_TOKEN', 'Account is deactivated');
    if (key.lastUsedAt === null || now - key.lastUsedAt.getTime() >= KEY_TOUCH_INTERVAL_MS) {
      // A statement of its own, not a change to the loaded row: nothing else this call flushes carries it.
      await this.em.nativeUpdate(ApiKey, { id: key.id }, { lastUsedAt: new Date(now) });
    }
    return { user, key };
  }

  /** What the audit log says about a key (never the key or its hash). */
  private describe(key: ApiKey): Record<string, unknown> {
    return {
      key_id: key.id,
      name: key.name,
      prefix: key.prefix,
      scopes: key.scopes as ApiKeyScope[],
      expires_at: key.expiresAt.toISOString(),
    };
  }
}
