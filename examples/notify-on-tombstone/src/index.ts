import { definePlugin, PermafrostError, type AfterPayload, type PermafrostPlugin } from '@permafrost/core/plugin';

export const NOTIFY_ON_TOMBSTONE_PLUGIN = 'notify-on-tombstone';

export interface NotifyOnTombstoneOptions {
  /** Where to POST `{ event: 'workspace.tombstoned', workspaceId, transitionId }`. */
  url: string;
  /** Per-delivery timeout (default 10 s): the handler's own timeout is the framework's, this bounds the HTTP call. */
  timeoutMs?: number;
}

/** `WEBHOOK_FAILED`: the receiver did not answer 2xx; retryTransition delivers again with the same key. */
export class WebhookFailedError extends PermafrostError {
  readonly code = 'WEBHOOK_FAILED';
}

/**
 * Posts a webhook once a workspace is tombstoned. It sits in `after:tombstone` (the status is committed,
 * so the receiver never hears of a tombstone that did not happen) and sends the payload's idempotency key
 * as `Idempotency-Key`: when a delivery's answer is lost and the transition is retried, the receiver sees
 * the same key and can drop the duplicate. When the delivery succeeded, a retry does not run it at all.
 */
export function notifyOnTombstone(options: NotifyOnTombstoneOptions): PermafrostPlugin {
  return definePlugin({
    name: NOTIFY_ON_TOMBSTONE_PLUGIN,
    init({ emitter }) {
      emitter.tap('after:tombstone', (p) => deliver(options, p), { name: 'webhook' });
    },
  });
}

async function deliver(options: NotifyOnTombstoneOptions, p: AfterPayload<'tombstone'>) {
  const signal = AbortSignal.any([p.signal, AbortSignal.timeout(options.timeoutMs ?? 10_000)]);
  const response = await fetch(options.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': p.idempotencyKey },
    body: JSON.stringify({ event: 'workspace.tombstoned', workspaceId: p.workspaceId, transitionId: p.transitionId }),
    signal,
  });
  if (!response.ok) {
    throw new WebhookFailedError(`Webhook ${options.url} answered ${response.status}; retry the transition to deliver again.`, { workspaceId: p.workspaceId, plugin: NOTIFY_ON_TOMBSTONE_PLUGIN, hook: 'after:tombstone' });
  }
  return { note: `delivered (${response.status})` };
}
