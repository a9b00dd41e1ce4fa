import { Layout } from '../../components/Layout';
import { Planned } from '../../components/status';

/** A place for webhooks: their endpoints and delivery log will live here once Roster sends them. */
export default function WebhooksPage() {
  return (
    <Layout title="Webhooks">
      <p>Roster does not send webhooks yet.</p>
      <Planned title="Endpoints">
        Add the URLs that should hear about sign-ups, profile changes and deactivations, with their signing
        secrets.
      </Planned>
      <Planned title="Delivery log">
        Every delivery with its status code and retries, to replay a failed one.
      </Planned>
    </Layout>
  );
}
