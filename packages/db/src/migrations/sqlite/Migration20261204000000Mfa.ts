import { Migration } from '@mikro-orm/migrations';

/**
 * Multi-factor authentication: authenticator apps (TOTP, secret encrypted) with hashed single-use recovery codes,
 * passkeys (WebAuthn credentials) and their single-use challenges, the pending second step of a password login
 * (`mfa_token`), `users.mfa_enabled` for admin listings, and `sessions.amr` (how the login was proved).
 */
export class Migration20261204000000Mfa extends Migration {
  override up(): void {
    this.addSql('alter table `users` add column `mfa_enabled` integer not null default false;');
    this.addSql("alter table `sessions` add column `amr` text not null default 'pwd';");
    this.addSql(
      'create table `mfa_totp` (`user_id` integer not null primary key references `users` (`id`) on delete cascade, `secret_encrypted` text not null, `confirmed_at` datetime null, `last_used_step` integer null, `failed_count` integer not null default 0, `failed_since` datetime null, `created_at` datetime not null);',
    );
    this.addSql(
      'create table `mfa_recovery_codes` (`id` integer not null primary key autoincrement, `user_id` integer not null references `users` (`id`) on delete cascade, `code_hash` text not null, `created_at` datetime not null, `used_at` datetime null);',
    );
    this.addSql(
      'create index `mfa_recovery_codes_user_id_code_hash_index` on `mfa_recovery_codes` (`user_id`, `code_hash`);',
    );
    this.addSql(
      'create table `mfa_challenges` (`id` integer not null primary key autoincrement, `token_hash` text not null, `user_id` integer not null references `users` (`id`) on delete cascade, `attempts` integer not null default 0, `created_at` datetime not null, `expires_at` datetime not null);',
    );
    this.addSql('create unique index `mfa_challenges_token_hash_unique` on `mfa_challenges` (`token_hash`);');
    this.addSql('create index `mfa_challenges_expires_at_index` on `mfa_challenges` (`expires_at`);');
    this.addSql(
      'create table `passkeys` (`id` integer not null primary key autoincrement, `user_id` integer not null references `users` (`id`) on delete cascade, `credential_id` text not null, `public_key` text not null, `counter` bigint not null default 0, `transports` text null, `device_type` text not null, `backed_up` integer not null default false, `aaguid` text null, `name` text not null, `created_at` datetime not null, `last_used_at` datetime null);',
    );
    this.addSql('create unique index `passkeys_credential_id_unique` on `passkeys` (`credential_id`);');
    this.addSql('create index `passkeys_user_id_index` on `passkeys` (`user_id`);');
    this.addSql(
      'create table `webauthn_challenges` (`id` integer not null primary key autoincrement, `challenge_hash` text not null, `purpose` text not null, `user_id` integer null references `users` (`id`) on delete cascade, `created_at` datetime not null, `expires_at` datetime not null);',
    );
    this.addSql(
      'create unique index `webauthn_challenges_challenge_hash_unique` on `webauthn_challenges` (`challenge_hash`);',
    );
    this.addSql(
      'create index `webauthn_challenges_expires_at_index` on `webauthn_challenges` (`expires_at`);',
    );
  }

  override down(): void {
    this.addSql('drop table if exists `webauthn_challenges`;');
    this.addSql('drop table if exists `passkeys`;');
    this.addSql('drop table if exists `mfa_challenges`;');
    this.addSql('drop table if exists `mfa_recovery_codes`;');
    this.addSql('drop table if exists `mfa_totp`;');
    this.addSql('alter table `sessions` drop column `amr`;');
    this.addSql('alter table `users` drop column `mfa_enabled`;');
  }
}
