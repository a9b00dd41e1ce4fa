import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededAccount, seedUsers } from '../test/admin.js';
import { createHarness, type Account, type Harness } from '../test/harness.js';

// Admin search folds case beyond ASCII, the same on SQLite and PostgreSQL: one mixed-script corpus, one list of
// terms, one expected match set per term on both databases. The reference is PostgreSQL's lower() (a character at
// a time: Σ is σ even at the end of a word, ẞ is ß, İ is i, ß never becomes ss, accents stay); on PostgreSQL the
// test also asks lower() itself, when the database's character type folds beyond ASCII (C.UTF-8 and the like).
let h: Harness;
let boss: Account;
const ids = new Map<string, number>();

const CORPUS: Record<string, string> = {
  elodie: 'Élodie Martin',
  elodieCaps: 'ÉLODIE DURAND',
  elodieLower: 'élodie petit',
  elodiePlain: 'Elodie Sans Accent',
  sofia: 'Σοφία Παπαδοπούλου',
  sofiaCaps: 'ΣΟΦΊΑ ΝΙΚΟΛΆΟΥ',
  odysseus: 'Οδυσσεύς',
  dmitry: 'Дмитрий Иванов',
  dmitryCaps: 'ДМИТРИЙ ПЕТРОВ',
  strasse: 'Straße Müller',
  strasseCaps: 'GROẞE STRAẞE',
  turkish: 'İsmail Işık',
  jurgen: 'JÜRGEN MÜLLER',
  plain: 'Plain Ascii',
};

const ELODIES = ['elodie', 'elodieCaps', 'elodieLower'];
const EXPECTED: [term: string, matches: string[]][] = [
  ['élodie', ELODIES],
  ['ÉLODIE', ELODIES],
  ['Élo', ELODIES],
  ['É', ELODIES],
  ['elodie', ['elodiePlain']],
  ['σοφία', ['sofia', 'sofiaCaps']],
  ['ΣΟΦΊΑ', ['sofia', 'sofiaCaps']],
  ['Σ', ['sofia', 'sofiaCaps', 'odysseus']],
  ['ΟΔΥΣΣ', ['odysseus']],
  ['σεύς', ['odysseus']],
  ['ΣΕΎΣ', []],
  ['дмитрий', ['dmitry', 'dmitryCaps']],
  ['ДМИТ', ['dmitry', 'dmitryCaps']],
  ['straße', ['strasse', 'strasseCaps']],
  ['STRAẞE', ['strasse', 'strasseCaps']],
  ['strasse', []],
  ['İSMAİL', ['turkish']],
  ['işık', ['turkish']],
  ['IŞIK', []],
  ['MÜLLER', ['strasse', 'jurgen']],
  ['ü', ['strasse', 'jurgen']],
  ['PLAIN asc', ['plain']],
  ['fold.test', Object.keys(CORPUS)],
];

beforeAll(async () => {
  h = await createHarness();
  boss = await seededAccount(h, 'boss');
  const names = Object.entries(CORPUS);
  const users = await seedUsers(
    h,
    names.map(([, fullName], i) => ({ email: `u${i}@fold.test`, username: `u${i}`, fullName })),
  );
  names.forEach(([name], i) => ids.set(name, users[i]!.id));
}, 60_000);
afterAll(() => h.close());

const idsOf = (names: string[]) => names.map((n) => ids.get(n)!).sort((a, b) => a - b);

async function searchIds(q: string, limit = 100): Promise<number[]> {
  const found: number[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await h.caller(boss.token).admin.listUsers({ q, limit, ...(cursor ? { cursor } : {}) });
    found.push(...page.items.map((u) => u.id));
    if (!page.next_cursor) return found.sort((a, b) => a - b);
    cursor = page.next_cursor;
  }
}

describe('admin search over a mixed-script corpus', () => {
  it.each(EXPECTED)('%j matches the same accounts on both databases', async (term, matches) => {
    expect(await searchIds(term)).toEqual(idsOf(matches));
    expect(await searchIds(term, 2)).toEqual(idsOf(matches));
  });

  it('agrees with PostgreSQL’s own lower() on every term', async (ctx) => {
    const connection = h.db.orm.em.fork().getConnection();
    if (h.db.kind !== 'postgresql') ctx.skip();
    const [probe] = (await connection.execute("select lower('ÉΣД') as folded")) as { folded: string }[];
    // A database whose character type folds ASCII only (LC_CTYPE=C) is no reference.
    if (probe!.folded !== 'éσд') ctx.skip();
    for (const [term] of EXPECTED) {
      const rows = (await connection.execute(
        "select id from users where email like '%@fold.test' and (lower(email) || chr(10) || " +
          "lower(username) || chr(10) || lower(coalesce(full_name, ''))) like '%' || lower(?) || '%' order by id",
        [term],
      )) as { id: number }[];
      expect(
        rows.map((r) => r.id),
        term,
      ).toEqual(await searchIds(term));
    }
  });

  it('follows a change of name', async () => {
    const id = ids.get('plain')!;
    await h.caller(boss.token).admin.updateUser({ id, full_name: 'ÅSA ÖBERG' });
    expect(await searchIds('åsa öberg')).toEqual([id]);
    expect(await searchIds('Plain')).toEqual([]);
    await h.caller(boss.token).admin.updateUser({ id, full_name: CORPUS.plain! });
    expect(await searchIds('åsa')).toEqual([]);
  });
});
