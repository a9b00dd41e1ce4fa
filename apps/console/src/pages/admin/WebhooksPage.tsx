import { Layout } from '../../components/Layout';
import { WebhooksAdmin } from './webhooks/WebhooksAdmin';

/** Webhooks: the endpoints and their delivery logs (pages/admin/webhooks/). A lazy chunk, like every admin page. */
export default function WebhooksPage() {
  return (
    <Layout title="Webhooks">
      <WebhooksAdmin />
    </Layout>
  );
}
