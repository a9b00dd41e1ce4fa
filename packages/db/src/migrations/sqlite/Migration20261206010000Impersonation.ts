import { Migration } from '@mikro-orm/migrations';

/**
 * Impersonation sessions: a session an admin opened for another account says who (`impersonator_id`) and why
 * (`impersonation_reason`). No foreign key: the check on every request refuses a session whose admin is gone.
 */
export class Migration20261206010000Impersonation extends Migration {
  override up(): void {
    this.addSql('alter table `sessions` add column `impersonator_id` integer null;');
    this.addSql('alter table `sessions` add column `impersonation_reason` text null;');
  }

  override down(): void {
    this.addSql('alter table `sessions` drop column `impersonation_reason`;');
    this.addSql('alter table `sessions` drop column `impersonator_id`;');
  }
}
