import { DateTimeType, EntitySchema, type Opt } from '@mikro-orm/core';
import { foldedName } from '../search-text.js';

export const ROLES = ['user', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** A person with an account. Email is stored normalized; username is unique case-insensitively (see migrations). */
export class User {
  id!: number;
  email!: string;
  username!: string;
  fullName: string | null = null;
  bio: string | null = null;
  passwordHash!: string;
  role: Opt<Role> = 'user';
  isActive: Opt<boolean> = true;
  /** The email address was confirmed by a link sent to it; reset when the address changes. */
  isVerified: Opt<boolean> = false;
  createdAt!: Opt<Date>;
  updatedAt!: Opt<Date>;
  lastLoginAt: Date | null = null;
  /** Bumped on every change; admins send it back (If-Match / expected_version) so edits never cross. */
  version: Opt<number> = 1;
  /** full_name folded for admin search (see search-text.ts); written whenever the account is. */
  fullNameFolded: string | null = null;
  /** A second factor is on: a confirmed authenticator app or at least one passkey (kept by the MFA services). */
  mfaEnabled: Opt<boolean> = false;
}

/**
 * The folded full name of the account as it is about to be written. An account read with only some of its columns
 * keeps what it has (none of the code that writes accounts reads them that way).
 */
function foldedNameHook(user: User): string | null {
  return user.fullName === undefined ? user.fullNameFolded : foldedName(user.fullName);
}

export const UserSchema = new EntitySchema<User>({
  class: User,
  tableName: 'users',
  indexes: [
    { name: 'users_created_at_id_index', properties: ['createdAt', 'id'] },
    { name: 'users_last_login_at_id_index', properties: ['lastLoginAt', 'id'] },
    { name: 'users_role_is_active_index', properties: ['role', 'isActive'] },
  ],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    email: { type: 'string', length: 320, unique: 'users_email_unique' },
    username: { type: 'string', length: 100 },
    fullName: { type: 'string', length: 200, nullable: true },
    bio: { type: 'string', length: 1000, nullable: true },
    passwordHash: { type: 'string', length: 255, lazy: true },
    role: { type: 'string', length: 16, default: 'user' },
    isActive: { type: 'boolean', default: true },
    isVerified: { type: 'boolean', default: false },
    // DateTimeType, not the string 'datetime': with the string, SQLite (dates stored as epoch ms) compared a loaded
    // Date with its snapshot as unequal, so every flush rewrote the dates of every loaded account and moved its
    // updated_at (an admin's edit of another account touched the admin's own row).
    createdAt: { type: DateTimeType, onCreate: () => new Date() },
    updatedAt: { type: DateTimeType, onCreate: () => new Date(), onUpdate: () => new Date() },
    lastLoginAt: { type: DateTimeType, nullable: true },
    version: { type: 'integer', default: 1 },
    // Lazy: only search reads it, in SQL. onUpdate runs for every change set of the account, so an edit of any
    // column rewrites it from the name being written.
    fullNameFolded: {
      type: 'text',
      nullable: true,
      lazy: true,
      onCreate: foldedNameHook,
      onUpdate: foldedNameHook,
    },
    mfaEnabled: { type: 'boolean', default: false },
  },
});
