import { useCallback, useMemo, useState } from 'react';
import { navigate } from '../../../app/navigation';
import { useSession } from '../../../app/session';
import { useQuery } from '../../../app/use-api';
import { Layout } from '../../../components/Layout';
import { Pager } from '../../../components/Pager';
import { Empty, ErrorMessage, Loading } from '../../../components/status';
import { currentCursor, FIRST_PAGE, nextPage, previousPage, rangeLabel } from '../../../lib/paging';
import {
  listUsersInput,
  parseUsersQuery,
  toggleSort,
  usersQueryString,
  type UsersQuery,
} from '../../../lib/users-query';
import { UsersFilters } from './UsersFilters';
import { UsersTable } from './UsersTable';

const PAGE_SIZE = 20;

/** One query's pages: its own paging state, so changing the query starts again at page 1. */
function UsersResults({ query, onQuery }: { query: UsersQuery; onQuery: (next: UsersQuery) => void }) {
  const { client } = useSession();
  const [paging, setPaging] = useState(FIRST_PAGE);
  const cursor = currentCursor(paging);
  const page = useQuery(
    useCallback(
      (signal: AbortSignal) =>
        client.admin.listUsers.query(listUsersInput(query, cursor, PAGE_SIZE), { signal }),
      [client, query, cursor],
    ),
  );
  const items = page.data?.items ?? [];
  return (
    <>
      <ErrorMessage error={page.error} />
      {page.loading ? <Loading what="Loading accounts…" /> : null}
      {page.data && items.length === 0 ? (
        <Empty>{paging === FIRST_PAGE ? 'No account matches these filters.' : 'No more accounts.'}</Empty>
      ) : null}
      {page.data && items.length > 0 ? (
        <>
          {page.data.total !== null ? (
            <p className="total" role="status">
              {page.data.total === 1 ? '1 account matches' : `${page.data.total} accounts match`}
            </p>
          ) : null}
          <UsersTable users={items} query={query} onSort={(sort) => onQuery(toggleSort(query, sort))} />
        </>
      ) : null}
      {page.data ? (
        <Pager
          state={paging}
          label="Pages of accounts"
          range={rangeLabel(paging, PAGE_SIZE, items.length, page.data.total)}
          hasNext={Boolean(page.data.next_cursor)}
          busy={page.loading}
          onPrevious={() => setPaging(previousPage)}
          onNext={() => setPaging((p) => nextPage(p, page.data?.next_cursor))}
        />
      ) : null}
    </>
  );
}

/** Every account: search, role and status filters, sortable columns, keyset pages, a count on request. */
export default function UsersPage({ search }: { search: string }) {
  const query = useMemo(() => parseUsersQuery(search), [search]);
  const key = usersQueryString(query);
  const onQuery = (next: UsersQuery) => navigate(`/admin/users${usersQueryString(next)}`);
  return (
    <Layout title="Users">
      <UsersFilters key={`filters${key}`} query={query} onChange={onQuery} />
      <UsersResults key={key} query={query} onQuery={onQuery} />
    </Layout>
  );
}
