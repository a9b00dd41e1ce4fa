import type { EntityManager } from '@mikro-orm/core';

/**
 * Admin search (q) folds case the same way on SQLite and PostgreSQL: it compares a folded term with folded text.
 * Emails are stored folded already (trimmed, NFC, lower case) and usernames are ASCII, which lower() folds on both
 * databases; full names can be in any script, and SQLite's lower() and LIKE fold ASCII letters only. So each
 * account also stores its full name folded here (`full_name_folded`), written by the application on every insert
 * and change (the User entity's hooks) and filled in by `fillFoldedNames` for rows that do not have it yet.
 */

/**
 * Text as search compares it: NFC, then lower case one character at a time with Unicode's simple mappings,
 * which is what PostgreSQL's lower() does (É → é, Σ → σ wherever it stands in a word, ẞ → ß, İ → i), without
 * locale rules.
 */
export function foldSearch(text: string): string {
  const nfc = text.normalize('NFC');
  if (/^[ -~]*$/.test(nfc)) return nfc.toLowerCase();
  let folded = '';
  // toLowerCase() of a whole string applies the final-sigma rule and lowers İ to i + U+0307; one character at a
  // time there is no context, and İ is the one character whose full lower case differs from its simple one.
  for (const ch of nfc) folded += ch === '\u0130' ? 'i' : ch.toLowerCase();
  return folded;
}

/** The `full_name_folded` of a full name. */
export function foldedName(fullName: string | null): string | null {
  return fullName === null ? null : foldSearch(fullName);
}

const BATCH = 500;

interface UnfoldedRow {
  id: number;
  full_name: string;
}

/**
 * Folds the full names that have no folded copy yet: every one once, after the migration that added the column
 * (SQLite cannot fold beyond ASCII in SQL), and any row written by hand without it since. Runs with the migrations
 * (`migrateDatabase`); answers how many rows it folded. A row changed meanwhile by the application carries its
 * folded name already and is left alone.
 */
export async function fillFoldedNames(em: EntityManager): Promise<number> {
  const connection = em.getConnection('write');
  let filled = 0;
  let after = 0;
  for (;;) {
    const rows = (await connection.execute(
      'select id, full_name from users where full_name is not null and full_name_folded is null and id > ? ' +
        'order by id limit ?',
      [after, BATCH],
    )) as UnfoldedRow[];
    if (rows.length === 0) return filled;
    after = rows.at(-1)!.id;
    await connection.execute(
      `update users set full_name_folded = case id ${rows.map(() => 'when ? then ?').join(' ')} end ` +
        `where full_name_folded is null and id in (${rows.map(() => '?').join(', ')})`,
      [...rows.flatMap((row) => [row.id, foldSearch(row.full_name)]), ...rows.map((row) => row.id)],
    );
    filled += rows.length;
  }
}
