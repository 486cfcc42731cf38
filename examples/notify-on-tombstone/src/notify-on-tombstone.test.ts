import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bootstrap, HookFailedError, silentLogger } from '@permafrost/core';
import { definePlugin, InMemoryWorkspaceStateStore, WORKSPACE_STATE_STORE } from '@permafrost/core/plugin';
import { notifyOnTombstone, WebhookFailedError } from './index';

// A real HTTP receiver on 127.0.0.1 that deduplicates by Idempotency-Key, as a well-behaved one does.
function receiver() {
  const deliveries: Array<{ key: string; body: { workspaceId: string } }> = [];
  const seen = new Set<string>();
  const plan: Array<'503' | 'drop-after-accept'> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const step = plan.shift();
      if (step === '503') return void res.writeHead(503).end();
      const key = String(req.headers['idempotency-key']);
      if (!seen.has(key)) {
        seen.add(key);
        deliveries.push({ key, body: JSON.parse(body) });
      }
      if (step === 'drop-after-accept') return void res.destroy(); // accepted, but the answer is lost
      res.writeHead(200).end();
    });
  });
  return {
    deliveries, plan,
    listen: () => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('example plugin: notify-on-tombstone (public plugin API only, real HTTP on 127.0.0.1)', () => {
  const hook = receiver();
  let url: string;
  beforeAll(async () => void (url = await hook.listen()));
  afterAll(() => hook.close());
  beforeEach(() => {
    hook.deliveries.length = 0;
    hook.plan.length = 0;
  });

  async function boot(extra: ReturnType<typeof definePlugin>[] = []) {
    const store = new InMemoryWorkspaceStateStore();
    const state = definePlugin({ name: 'state', provides: [WORKSPACE_STATE_STORE], register: (c) => c.registerInstance(WORKSPACE_STATE_STORE, store) });
    const app = await bootstrap({ plugins: [state, notifyOnTombstone({ url, timeoutMs: 2000 }), ...extra], logger: silentLogger });
    store.add('w');
    return { app, store };
  }

  it('delivers once when another plugin fails and the transition is retried', async () => {
    let billingDown = true;
    const billing = definePlugin({ name: 'billing', init: ({ emitter }) => emitter.tap('after:tombstone', () => { if (billingDown) throw new Error('billing down'); }) });
    const { app, store } = await boot([billing]);
    const err = await app.executor.execute('w', 'tombstone').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'HOOK_FAILED', plugin: 'billing', completed: [{ plugin: 'notify-on-tombstone', name: 'webhook' }] });
    billingDown = false;
    expect(await app.executor.retry('w')).toMatchObject({ retried: true });
    expect(store.statuses.get('w')).toBe('Tombstoned');
    expect(hook.deliveries).toHaveLength(1);
    expect(hook.deliveries[0]!.body.workspaceId).toBe('w');
  });

  it('delivers once when the receiver fails, or accepts but the answer is lost, and the transition is retried', async () => {
    const { app } = await boot();
    hook.plan.push('503', 'drop-after-accept');
    const first = await app.executor.execute('w', 'tombstone').catch((e: unknown) => e);
    expect(first).toBeInstanceOf(HookFailedError);
    expect((first as HookFailedError).cause).toBeInstanceOf(WebhookFailedError);
    const second = await app.executor.retry('w').catch((e: unknown) => e); // accepted; the answer is lost
    expect(second).toBeInstanceOf(HookFailedError);
    expect(await app.executor.retry('w')).toMatchObject({ retried: true });
    expect(hook.deliveries).toHaveLength(1); // the same Idempotency-Key each time: the receiver dropped the repeat
    expect(hook.deliveries[0]!.key).toMatch(/\/notify-on-tombstone\/webhook\/after:tombstone$/);
  });
});
