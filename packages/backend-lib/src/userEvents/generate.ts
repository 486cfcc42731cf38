import type { UserEventInput } from './ingest';
import { INTERNAL_EVENT_PREFIX } from './clickhouse';

export interface GenerateEventsOptions {
  count: number;
  /** Distinct users (default count / 20, at least 1). */
  users?: number;
  /** Months of history ending at `end` (default 12). */
  months?: number;
  end?: Date;
  /** Share of events that are the platform's internal DF… events (default 0.05). */
  internalShare?: number;
  /** Same seed, same events: tests and benchmarks compare runs. */
  seed?: number;
  /** Prefix of message ids, so generators for different workspaces never share one. */
  idPrefix?: string;
}

const TRACK_EVENTS = ['Signed Up', 'Order Completed', 'Product Viewed', 'Cart Updated', 'Email Opened', 'Feature Used'];
const PAGES = ['/home', '/pricing', '/docs', '/blog/launch', '/settings'];
const INTERNAL = ['DFEmailMessageSent', 'DFEmailDelivered', 'DFBroadcastSegmentAssigned'];

/**
 * Segment-style identify/track/page events with internal DF events mixed in, spread over months, with a
 * deterministic PRNG. Message texts include unicode and escapes so byte-identity checks mean something.
 */
export function* generateEvents(options: GenerateEventsOptions): Generator<UserEventInput> {
  const random = mulberry32(options.seed ?? 1);
  const users = Math.max(1, options.users ?? Math.floor(options.count / 20));
  const months = Math.max(1, options.months ?? 12);
  const end = (options.end ?? new Date(Date.UTC(2026, 0, 1))).getTime();
  const span = months * 30 * 24 * 3600 * 1000;
  const internalShare = options.internalShare ?? 0.05;
  const prefix = options.idPrefix ?? 'evt';
  for (let i = 0; i < options.count; i++) {
    const user = Math.floor(random() * users);
    const processingTime = new Date(end - Math.floor(random() * span));
    const timestamp = new Date(processingTime.getTime() - Math.floor(random() * 60_000)).toISOString();
    const messageId = `${prefix}-${i}-${Math.floor(random() * 1e9).toString(36)}`;
    const kind = random();
    let message: Record<string, unknown>;
    if (random() < internalShare) {
      message = {
        type: 'track', event: INTERNAL[i % INTERNAL.length], userId: `user-${user}`, messageId, timestamp,
        properties: { templateId: `tpl-${i % 7}`, journeyId: `journey-${i % 3}`, messageId: `msg-${i}`, variant: { type: 'Email', to: `user${user}@example.com`, from: 'hello@example.com' } },
      };
    } else if (kind < 0.15) {
      message = { type: 'identify', userId: `user-${user}`, messageId, timestamp, traits: { email: `user${user}@example.com`, name: `Ünïcødé ${user} "quoted" \\ back`, plan: user % 3 === 0 ? 'pro' : 'free' } };
    } else if (kind < 0.35) {
      message = { type: 'page', anonymousId: `anon-${user}`, messageId, timestamp, name: PAGES[i % PAGES.length], properties: { path: PAGES[i % PAGES.length], referrer: 'https://example.com/?q=a&b=c' } };
    } else {
      message = { type: 'track', event: TRACK_EVENTS[i % TRACK_EVENTS.length], userId: `user-${user}`, messageId, timestamp, properties: { value: Math.round(random() * 10_000) / 100, currency: 'EUR', tags: ['a', 'b'], note: '日本語 ✓' }, context: { ip: '203.0.113.7', library: { name: 'analytics-node', version: '6.2.0' } } };
    }
    yield { message, messageId, processingTime, serverTime: processingTime };
  }
}

export function isInternalEventName(name: string): boolean {
  return name.startsWith(INTERNAL_EVENT_PREFIX);
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
