import { z } from 'zod';
import {
  attemptPageSchema,
  attemptsInput,
  createWebhookInput,
  deliveriesInput,
  deliveryIdInput,
  deliveryPageSchema,
  deliverySchema,
  rotateSecretInput,
  updateWebhookInput,
  webhookIdInput,
  webhookSchema,
  webhookWithSecretSchema,
} from '../schemas/webhooks.js';
import { toAttemptOut, toDeliveryOut, toWebhookOut } from '../services/serialize-webhooks.js';
import { adminProcedure, router } from '../trpc.js';

/** Webhook endpoints and their deliveries: `admin.webhooks.*`, REST under /admin/webhooks. */
export const webhooksRouter = router({
  create: adminProcedure
    .meta({
      errors: ['WEBHOOK_URL_NOT_ALLOWED'],
      successStatus: 201,
      openapi: {
        method: 'POST',
        path: '/admin/webhooks',
        summary: 'Create a webhook endpoint',
        description:
          'Events of the types listed are POSTed to the URL, signed per Standard Webhooks (webhook-id, ' +
          'webhook-timestamp, webhook-signature). The answer holds the signing secret (whsec_…): it is never ' +
          'shown again. A URL resolving to loopback, private, link-local or metadata addresses is 422.',
      },
    })
    .input(createWebhookInput)
    .output(webhookWithSecretSchema)
    .mutation(async ({ ctx, input }) => {
      const { endpoint, secret } = await ctx.webhooks.create(input, ctx.user);
      return { ...toWebhookOut(endpoint), secret };
    }),

  list: adminProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/admin/webhooks',
        summary: 'List webhook endpoints',
        description: 'Every endpoint, oldest first (never their secrets).',
      },
    })
    .input(z.void())
    .output(z.array(webhookSchema))
    .query(async ({ ctx }) => (await ctx.webhooks.list()).map(toWebhookOut)),

  get: adminProcedure
    .meta({
      errors: ['WEBHOOK_NOT_FOUND'],
      openapi: {
        method: 'GET',
        path: '/admin/webhooks/{id}',
        summary: 'Get a webhook endpoint',
        description: 'Its URL, events and state (never its secret).',
      },
    })
    .input(webhookIdInput)
    .output(webhookSchema)
    .query(async ({ ctx, input }) => toWebhookOut(await ctx.webhooks.get(input.id))),

  update: adminProcedure
    .meta({
      errors: ['WEBHOOK_NOT_FOUND', 'WEBHOOK_URL_NOT_ALLOWED'],
      openapi: {
        method: 'PATCH',
        path: '/admin/webhooks/{id}',
        summary: 'Update a webhook endpoint',
        description:
          'Changes url, events, description or enabled. enabled=true resumes an endpoint disabled for failing; ' +
          'its pending deliveries are sent again.',
      },
    })
    .input(updateWebhookInput)
    .output(webhookSchema)
    .mutation(async ({ ctx, input }) => toWebhookOut(await ctx.webhooks.update(input, ctx.user))),

  delete: adminProcedure
    .meta({
      errors: ['WEBHOOK_NOT_FOUND'],
      successStatus: 204,
      openapi: {
        method: 'DELETE',
        path: '/admin/webhooks/{id}',
        summary: 'Delete a webhook endpoint',
        description: 'With its deliveries: pending ones are never sent.',
        successDescription: 'Deleted',
      },
    })
    .input(webhookIdInput)
    .output(z.undefined())
    .mutation(async ({ ctx, input }) => {
      await ctx.webhooks.remove(input.id, ctx.user);
      return undefined;
    }),

  rotateSecret: adminProcedure
    .meta({
      errors: ['WEBHOOK_NOT_FOUND'],
      openapi: {
        method: 'POST',
        path: '/admin/webhooks/{id}/rotate-secret',
        summary: "Rotate a webhook endpoint's secret",
        description:
          'A new secret, shown only in this answer. For grace_seconds (24 hours by default) deliveries carry a ' +
          'signature with the old secret as well, so the receiver can switch without rejecting any.',
      },
    })
    .input(rotateSecretInput)
    .output(webhookWithSecretSchema)
    .mutation(async ({ ctx, input }) => {
      const { endpoint, secret } = await ctx.webhooks.rotateSecret(input.id, input.grace_seconds, ctx.user);
      return { ...toWebhookOut(endpoint), secret };
    }),

  test: adminProcedure
    .meta({
      errors: ['WEBHOOK_NOT_FOUND', 'WEBHOOK_DISABLED'],
      successStatus: 202,
      openapi: {
        method: 'POST',
        path: '/admin/webhooks/{id}/test',
        summary: 'Send a test event',
        description:
          'Queues a webhook.test event for the endpoint, whatever it subscribed to, and answers its delivery; ' +
          'follow it under /deliveries.',
      },
    })
    .input(webhookIdInput)
    .output(deliverySchema)
    .mutation(async ({ ctx, input }) => toDeliveryOut(await ctx.webhooks.sendTest(input.id, ctx.user))),

  deliveries: adminProcedure
    .meta({
      errors: ['WEBHOOK_NOT_FOUND', 'INVALID_CURSOR'],
      openapi: {
        method: 'GET',
        path: '/admin/webhooks/{id}/deliveries',
        summary: "A webhook endpoint's deliveries",
        description:
          'Newest first: status, attempts, the last answer (status code, duration, error) and the next attempt. ' +
          'Keyset pagination: pass next_cursor back.',
      },
    })
    .input(deliveriesInput)
    .output(deliveryPageSchema)
    .query(async ({ ctx, input }) => {
      const page = await ctx.webhooks.deliveries(input);
      return { items: page.items.map(toDeliveryOut), next_cursor: page.nextCursor };
    }),

  attempts: adminProcedure
    .meta({
      errors: ['WEBHOOK_NOT_FOUND', 'WEBHOOK_DELIVERY_NOT_FOUND', 'INVALID_CURSOR'],
      openapi: {
        method: 'GET',
        path: '/admin/webhooks/{id}/deliveries/{delivery_id}/attempts',
        summary: "A delivery's attempts",
        description:
          'Every attempt of the delivery, newest first: when it started, how long it took, the status code ' +
          "or why no answer came, and the beginning of the answer's body. Kept as long as the delivery. " +
          'Keyset pagination: pass next_cursor back.',
      },
    })
    .input(attemptsInput)
    .output(attemptPageSchema)
    .query(async ({ ctx, input }) => {
      const page = await ctx.webhooks.attempts(input);
      return { items: page.items.map(toAttemptOut), next_cursor: page.nextCursor };
    }),

  retry: adminProcedure
    .meta({
      errors: [
        'WEBHOOK_NOT_FOUND',
        'WEBHOOK_DELIVERY_NOT_FOUND',
        'WEBHOOK_DISABLED',
        'WEBHOOK_DELIVERY_IN_FLIGHT',
      ],
      successStatus: 202,
      openapi: {
        method: 'POST',
        path: '/admin/webhooks/{id}/deliveries/{delivery_id}/retry',
        summary: 'Send a delivery again',
        description:
          'Now, with the same webhook-id. A delivered or failed delivery starts its retry schedule afresh.',
      },
    })
    .input(deliveryIdInput)
    .output(deliverySchema)
    .mutation(async ({ ctx, input }) =>
      toDeliveryOut(await ctx.webhooks.retry(input.id, input.delivery_id, ctx.user)),
    ),
});
