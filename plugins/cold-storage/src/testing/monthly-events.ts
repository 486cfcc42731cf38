import type { UserEventInput } from '@permafrost/backend-lib';

/**
 * Exactly `perMonth` events in each of `months` calendar months, the last one the month of `end`: the
 * first of each month a platform-internal DF… event (so internal_events has every month too), the rest
 * track and identify events with unicode and escapes. Days 10, 11, … at noon UTC: no month boundary is
 * near, whatever the engine's time zone. Same arguments, same events.
 */
export function monthlyEvents(idPrefix: string, months: number, perMonth: number, end = new Date(Date.UTC(2026, 0, 1))): UserEventInput[] {
  const events: UserEventInput[] = [];
  for (let m = 0; m < months; m++) {
    const month = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - (months - 1 - m), 1));
    for (let i = 0; i < perMonth; i++) {
      const at = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth(), 10 + (i % 15), 12, 0, i % 60));
      const messageId = `${idPrefix}-${m}-${i}`;
      const timestamp = at.toISOString();
      const message = i === 0
        ? { type: 'track', event: 'DFEmailMessageSent', userId: `user-${m % 7}`, messageId, timestamp, properties: { templateId: `tpl-${m % 5}`, messageId: `msg-${m}`, variant: { type: 'Email', to: `user${m % 7}@example.com`, from: 'hello@example.com' } } }
        : i % 2 === 0
          ? { type: 'identify', userId: `user-${m % 7}`, messageId, timestamp, traits: { name: `Ünïcødé ${m} "quoted" \\ back`, plan: m % 3 === 0 ? 'pro' : 'free' } }
          : { type: 'track', event: 'Order Completed', userId: `user-${m % 7}`, messageId, timestamp, properties: { value: (m * 37 + i) / 100, note: '日本語 ✓' } };
      events.push({ message, messageId, processingTime: at, serverTime: at });
    }
  }
  return events;
}
