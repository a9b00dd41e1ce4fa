import { Layout } from '../components/Layout';
import { Link } from '../components/Link';

export function NotFoundPage() {
  return (
    <Layout title="Page not found">
      <p>
        There is no page at this address. Go to <Link to="/account">your account</Link>.
      </p>
    </Layout>
  );
}
