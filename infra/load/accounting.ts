// What became of the completions: every acknowledged one must end as exactly one notification,
// emails must not be duplicated, and how long an event takes from completion to notification.
import type pg from 'pg';
import { waitFor } from '@syllabus/testing';
import { percentile } from '../support/figures';
import { failures, round } from './report';
import type { PhaseResult } from './protocol';
import type { System } from './system';

export type Accounting = ReturnType<typeof createAccounting>;

export function createAccounting(system: System) {
  /** Waits until every acknowledged completion has its notification and nothing waits anywhere. */
  async function drained(acknowledged: PhaseResult['acknowledged'], timeoutMs: number) {
    const began = Date.now();
    const users = [...new Set(acknowledged.map((a) => a.userId))];
    let lastShown = Date.now();
    await waitFor(
      async () => {
        const client = system.notificationPg();
        await client.connect();
        try {
          const { rows } = await client.query<{ n: string }>(
            `SELECT count(*) AS n FROM notifications WHERE event_type = 'progress.lesson-completed.v1' AND user_id = ANY($1)`,
            [users],
          );
          const pending = await client.query<{ n: string }>(
            `SELECT count(*) AS n FROM deliveries WHERE status = 'pending'`,
          );
          const outbox = await system.progressDb.collection('outbox').countDocuments({});
          const state = {
            notified: Number(rows[0]!.n),
            of: acknowledged.length,
            pendingDeliveries: Number(pending.rows[0]!.n),
            outbox,
          };
          if (Date.now() - lastShown > 10_000) {
            lastShown = Date.now();
            process.stdout.write(`draining: ${JSON.stringify(state)}\n`);
          }
          return state.notified >= state.of && state.pendingDeliveries === 0 && state.outbox === 0;
        } finally {
          await client.end();
        }
      },
      { timeoutMs, intervalMs: 250, what: 'the backlog to drain' },
    ).catch((error: unknown) => failures.push(String(error)));
    return Date.now() - began;
  }

  async function withNotificationDb<T>(work: (client: pg.Client) => Promise<T>) {
    const client = system.notificationPg();
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  /**
   * Lesson notifications against completions, per learner: at least as many as acknowledged (none
   * lost); exactly as many for a learner whose every completion had a clear answer (none notified
   * twice); for one with completions answered without an outcome (5xx or nothing, and perhaps
   * recorded after all), at most that many more.
   */
  async function compareNotifications(acknowledged: PhaseResult['acknowledged']) {
    const client = system.notificationPg();
    await client.connect();
    try {
      const type = 'progress.lesson-completed.v1';
      const { rows } = await client.query<{ user_id: string; n: string }>(
        `SELECT user_id, count(*) AS n FROM notifications WHERE event_type = $1 GROUP BY user_id`,
        [type],
      );
      const stored = new Map(rows.map((row) => [row.user_id, Number(row.n)]));
      const tally = (items: { userId: string }[]) => {
        const byUser = new Map<string, number>();
        for (const item of items) byUser.set(item.userId, (byUser.get(item.userId) ?? 0) + 1);
        return byUser;
      };
      const expectedByUser = tally(acknowledged);
      const unknownByUser = tally(system.unknownOutcome);
      let missing = 0;
      let notifiedTwice = 0;
      let unexplained = 0;
      let recordedThoughUnanswered = 0;
      for (const user of new Set([...expectedByUser.keys(), ...unknownByUser.keys()])) {
        const expected = expectedByUser.get(user) ?? 0;
        const unknown = unknownByUser.get(user) ?? 0;
        const got = stored.get(user) ?? 0;
        if (got < expected) missing += expected - got;
        const beyond = Math.max(0, got - expected);
        // Exactly as many as acknowledged, unless some outcome was unknown: then at most that many more.
        if (unknown === 0) notifiedTwice += beyond;
        else {
          recordedThoughUnanswered += Math.min(beyond, unknown);
          unexplained += Math.max(0, beyond - unknown);
        }
      }
      if (missing > 0) {
        const sample = acknowledged.filter(
          (a) => (stored.get(a.userId) ?? 0) < (expectedByUser.get(a.userId) ?? 0),
        );
        process.stdout.write(`learners short of notifications, e.g. ${JSON.stringify(sample.slice(0, 3))}\n`);
      }
      return {
        expected: acknowledged.length,
        missing,
        notifiedTwice,
        unknownOutcome: system.unknownOutcome.length,
        recordedThoughUnanswered,
        unexplained,
      };
    } finally {
      await client.end();
    }
  }

  /** Course-completed emails: resends of one delivery (same Message-ID) apart from true duplicates. */
  function mailReport() {
    const byMessageId = new Map<string, number>();
    const byEvent = new Map<string, Set<string>>();
    for (const mail of system.smtp.received) {
      const messageId = /^Message-ID:\s*(\S+)/im.exec(mail.raw)?.[1] ?? '';
      const eventId = /^Syllabus-Event-Id:\s*(\S+)/im.exec(mail.raw)?.[1] ?? '';
      byMessageId.set(messageId, (byMessageId.get(messageId) ?? 0) + 1);
      byEvent.set(eventId, (byEvent.get(eventId) ?? new Set()).add(messageId));
    }
    return {
      received: system.smtp.received.length,
      distinct: byMessageId.size,
      resends: [...byMessageId.values()].reduce((sum, n) => sum + n - 1, 0),
      duplicates: [...byEvent.values()].reduce((sum, ids) => sum + ids.size - 1, 0),
    };
  }

  async function eventLatency(since: Date) {
    const client = system.notificationPg();
    await client.connect();
    try {
      const { rows } = await client.query<{ ms: number }>(
        `SELECT extract(epoch FROM i.handled_at - n.created_at) * 1000 AS ms
           FROM notifications n JOIN inbox i USING (event_id)
          WHERE n.event_type = 'progress.lesson-completed.v1' AND n.created_at >= $1`,
        [since],
      );
      const sorted = rows.map((row) => Number(row.ms)).sort((a, b) => a - b);
      return {
        count: sorted.length,
        p50: round(percentile(sorted, 50)),
        p95: round(percentile(sorted, 95)),
        p99: round(percentile(sorted, 99)),
      };
    } finally {
      await client.end();
    }
  }

  return { drained, withNotificationDb, compareNotifications, mailReport, eventLatency };
}
