// Years of use, in a minute: more learner versions, notifications and leaderboard entries for
// learners who are not part of the run, so that the probe can compare each operation's cost.
import { randomUUID } from 'node:crypto';
import type { System } from './system';

/**
 * Stores `count` more completions for learners who are not part of the run, as years of use
 * would: learner versions (each the whole state after one completion), their notifications,
 * and their places on the leaderboard.
 */
export async function grow(system: System, count: number) {
  const { progressDb, redis, keyPrefix } = system;
  const perLearner = 50;
  const versions = progressDb.collection('learner_versions');
  const client = system.notificationPg();
  await client.connect();
  try {
    for (let first = 0; first < count; first += perLearner * 20) {
      const batch: Record<string, unknown>[] = [];
      const rows: string[] = [];
      for (let l = 0; l < 20 && first + l * perLearner < count; l += 1) {
        const userId = randomUUID().replace(/-/g, '').slice(0, 24);
        const course = randomUUID();
        const done: string[] = [];
        for (let seq = 0; seq < perLearner; seq += 1) {
          done.push(randomUUID());
          batch.push({
            _id: `${userId}:${String(seq).padStart(10, '0')}`,
            userId,
            seq,
            at: new Date(),
            state: {
              displayName: 'Grown learner',
              timeZone: 'UTC',
              xp: seq * 10,
              lessonsCompleted: seq,
              coursesCompleted: 0,
              streak: { lastDay: '2026-01-01', run: 1, longest: 1 },
              enrolments: [
                {
                  courseId: course,
                  enrolledAt: new Date().toISOString(),
                  completedLessonIds: [...done],
                  completedAt: null,
                },
              ],
            },
            events: [],
          });
          rows.push(
            `('${userId}', '${randomUUID()}', 'progress.lesson-completed.v1', 'Lesson completed', 'Well done')`,
          );
        }
        await redis.zadd(`${keyPrefix}progress:leaderboard:xp`, perLearner * 10, userId);
      }
      await versions.insertMany(batch, { ordered: false });
      await client.query(
        `INSERT INTO notifications (user_id, event_id, event_type, title, body) VALUES ${rows.join(',')}`,
      );
    }
  } finally {
    await client.end();
  }
}
