import { Migration } from '@mikro-orm/migrations';

export class Migration20261125000000Users extends Migration {
  override up(): void {
    this.addSql(
      "create table `users` (`id` integer not null primary key autoincrement, `email` text not null, `username` text not null, `full_name` text null, `bio` text null, `password_hash` text not null, `role` text not null default 'user', `is_active` integer not null default true, `created_at` datetime not null, `updated_at` datetime not null, `last_login_at` datetime null);",
    );
    this.addSql('create unique index `users_email_unique` on `users` (`email`);');
    this.addSql('create unique index `users_username_lower_unique` on `users` (lower(`username`));');
    this.addSql('create index `users_created_at_id_index` on `users` (`created_at`, `id`);');
  }

  override down(): void {
    this.addSql('drop table if exists `users`;');
  }
}
