import { useCallback } from 'react';
import { useSession } from '../../app/session';
import { useQuery } from '../../app/use-api';
import { Layout } from '../../components/Layout';
import { Link } from '../../components/Link';
import { SignupChart } from '../../components/SignupChart';
import { ErrorMessage, Loading } from '../../components/status';
import { formatCount } from '../../lib/format';

/** Account counts and sign-ups per day over the last 30 days (admin.stats). */
export default function DashboardPage() {
  const { client } = useSession();
  const stats = useQuery(
    useCallback((signal: AbortSignal) => client.admin.stats.query(undefined, { signal }), [client]),
  );
  const counts = stats.data
    ? ([
        ['Accounts', stats.data.total, '/admin/users'],
        ['Active', stats.data.active, '/admin/users?status=active'],
        ['Deactivated', stats.data.inactive, '/admin/users?status=inactive'],
        ['Admins', stats.data.admins, '/admin/users?role=admin'],
      ] as const)
    : [];
  return (
    <Layout title="Dashboard">
      {stats.loading && !stats.data ? <Loading what="Loading statistics…" /> : null}
      <ErrorMessage error={stats.error} />
      {stats.data ? (
        <>
          <ul className="stats" aria-label="Account counts">
            {counts.map(([label, value, to]) => (
              <li key={label} className="stat">
                <Link to={to}>
                  <span className="stat-value">{formatCount(value)}</span>
                  <span className="stat-label">{label}</span>
                </Link>
              </li>
            ))}
          </ul>
          <section className="card" aria-labelledby="signups-heading">
            <h2 id="signups-heading">Sign-ups per day, last 30 days</h2>
            <SignupChart days={stats.data.signups_per_day} />
          </section>
        </>
      ) : null}
    </Layout>
  );
}
