import { useCallback, useMemo, useState, type FormEvent } from 'react';
import { navigate } from '../../app/navigation';
import { useSession } from '../../app/session';
import { useQuery } from '../../app/use-api';
import { AuditTable } from '../../components/AuditTable';
import { TextField } from '../../components/fields';
import { Layout } from '../../components/Layout';
import { Pager } from '../../components/Pager';
import { ErrorMessage, Loading } from '../../components/status';
import {
  auditFiltersString,
  auditInput,
  KNOWN_ACTIONS,
  parseAuditFilters,
  type AuditFilters,
} from '../../lib/audit-query';
import { currentCursor, FIRST_PAGE, nextPage, previousPage, rangeLabel } from '../../lib/paging';

const PAGE_SIZE = 50;

function Filters({ initial }: { initial: AuditFilters }) {
  const [form, setForm] = useState(initial);
  const { errors } = auditInput(form, undefined, PAGE_SIZE);
  const [shown, setShown] = useState<typeof errors>({});
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setShown(errors);
    if (Object.keys(errors).length === 0) navigate(`/admin/audit${auditFiltersString(form)}`);
  };
  const set = (key: keyof AuditFilters) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [key]: e.target.value }));
  return (
    <form className="filters" role="search" aria-label="Filter the audit log" onSubmit={submit} noValidate>
      <TextField
        id="audit-action"
        label="Event"
        list="audit-actions"
        placeholder="e.g. user.deactivated"
        value={form.action}
        onChange={set('action')}
      />
      <datalist id="audit-actions">
        {KNOWN_ACTIONS.map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      <TextField
        id="audit-actor"
        label="By account id"
        inputMode="numeric"
        value={form.actor}
        onChange={set('actor')}
        error={shown.actor}
      />
      <TextField
        id="audit-target"
        label="About account id"
        inputMode="numeric"
        value={form.target}
        onChange={set('target')}
        error={shown.target}
      />
      <TextField
        id="audit-since"
        label="From (UTC day)"
        type="date"
        value={form.since}
        onChange={set('since')}
        error={shown.since}
      />
      <TextField
        id="audit-until"
        label="To (UTC day)"
        type="date"
        value={form.until}
        onChange={set('until')}
        error={shown.until}
      />
      <button type="submit">Filter</button>
    </form>
  );
}

function Results({ filters }: { filters: AuditFilters }) {
  const { client } = useSession();
  const [paging, setPaging] = useState(FIRST_PAGE);
  const cursor = currentCursor(paging);
  const page = useQuery(
    useCallback(
      (signal: AbortSignal) =>
        client.admin.audit.query(auditInput(filters, cursor, PAGE_SIZE).input, { signal }),
      [client, filters, cursor],
    ),
  );
  const items = page.data?.items ?? [];
  return (
    <>
      <ErrorMessage error={page.error} />
      {page.loading ? <Loading what="Loading events…" /> : null}
      {page.data ? <AuditTable events={items} caption="Audit events, newest first" /> : null}
      {page.data ? (
        <Pager
          state={paging}
          label="Pages of events"
          range={rangeLabel(paging, PAGE_SIZE, items.length, null)}
          hasNext={Boolean(page.data.next_cursor)}
          busy={page.loading}
          onPrevious={() => setPaging(previousPage)}
          onNext={() => setPaging((p) => nextPage(p, page.data?.next_cursor))}
        />
      ) : null}
    </>
  );
}

/** The audit log, newest first, filtered by event, actor, account and day. */
export default function AuditPage({ search }: { search: string }) {
  const filters = useMemo(() => parseAuditFilters(search), [search]);
  const key = auditFiltersString(filters);
  return (
    <Layout title="Audit log">
      <Filters key={`f${key}`} initial={filters} />
      <Results key={key} filters={filters} />
    </Layout>
  );
}
