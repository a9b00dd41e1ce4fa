import { Migration } from '@mikro-orm/migrations';

/**
 * Multi-factor authentication: authenticator apps (TOTP, secret encrypted) with hashed single-use recovery codes,
 * passkeys (WebAuthn credentials) and their single-use challenges, the pending second step of a password login
 * (`mfa_token`), `users.mfa_enabled` for admin listings, and `sessions.amr` (how the login was proved).
 */
export class Migration20261204000000Mfa extends Migration {
  override up(): void {
    this.addSql(`alter table "users" add column "mfa_enabled" boolean not null default false;`);
    this.addSql(`alter table "sessions" add column "amr" varchar(64) not null default 'pwd';`);
    this.addSql(
      `create table "mfa_totp" ("user_id" int not null primary key references "users" ("id") on delete cascade, "secret_encrypted" varchar(255) not null, "confirmed_at" timestamptz null, "last_used_step" int null, "failed_count" int not null default 0, "failed_since" timestamptz null, "created_at" timestamptz not null);`,
    );
    this.addSql(
      `create table "mfa_recovery_codes" ("id" serial primary key, "user_id" int not null references "users" ("id") on delete cascade, "code_hash" varchar(64) not null, "created_at" timestamptz not null, "used_at" timestamptz null);`,
    );
    this.addSql(
      `create index "mfa_recovery_codes_user_id_code_hash_index" on "mfa_recovery_codes" ("user_id", "code_hash");`,
    );
    this.addSql(
      `create table "mfa_challenges" ("id" serial primary key, "token_hash" varchar(64) not null, "user_id" int not null references "users" ("id") on delete cascade, "attempts" int not null default 0, "created_at" timestamptz not null, "expires_at" timestamptz not null);`,
    );
    this.addSql(
      `alter table "mfa_challenges" add constraint "mfa_challenges_token_hash_unique" unique ("token_hash");`,
    );
    this.addSql(`create index "mfa_challenges_expires_at_index" on "mfa_challenges" ("expires_at");`);
    this.addSql(
      `create table "passkeys" ("id" serial primary key, "user_id" int not null references "users" ("id") on delete cascade, "credential_id" varchar(1024) not null, "public_key" text not null, "counter" bigint not null default 0, "transports" varchar(255) null, "device_type" varchar(32) not null, "backed_up" boolean not null default false, "aaguid" varchar(36) null, "name" varchar(100) not null, "created_at" timestamptz not null, "last_used_at" timestamptz null);`,
    );
    this.addSql(
      `alter table "passkeys" add constraint "passkeys_credential_id_unique" unique ("credential_id");`,
    );
    this.addSql(`create index "passkeys_user_id_index" on "passkeys" ("user_id");`);
    this.addSql(
      `create table "webauthn_challenges" ("id" serial primary key, "challenge_hash" varchar(64) not null, "purpose" varchar(16) not null, "user_id" int null references "users" ("id") on delete cascade, "created_at" timestamptz not null, "expires_at" timestamptz not null);`,
    );
    this.addSql(
      `alter table "webauthn_challenges" add constraint "webauthn_challenges_challenge_hash_unique" unique ("challenge_hash");`,
    );
    this.addSql(
      `create index "webauthn_challenges_expires_at_index" on "webauthn_challenges" ("expires_at");`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "webauthn_challenges";`);
    this.addSql(`drop table if exists "passkeys";`);
    this.addSql(`drop table if exists "mfa_challenges";`);
    this.addSql(`drop table if exists "mfa_recovery_codes";`);
    this.addSql(`drop table if exists "mfa_totp";`);
    this.addSql(`alter table "sessions" drop column "amr";`);
    this.addSql(`alter table "users" drop column "mfa_enabled";`);
  }
}
