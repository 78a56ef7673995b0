import { createHash } from 'node:crypto';

/**
 * The operations Syllabus's own clients send, by name: the allow-list. With
 * GRAPHQL_PERSISTED_ONLY=true the gateway runs these and nothing else — sent by text, or by the
 * SHA-256 of the text alone (automatic persisted queries: `extensions.persistedQuery`), so a
 * client can GET them by hash and an attacker cannot send a query of their own. A test checks
 * that each one is valid against the schema served.
 */
export const persistedOperations = {
  Dashboard: `query Dashboard {
  me {
    stats { xp lessonsCompleted coursesCompleted currentStreak longestStreak badges }
    unreadNotifications
    enrollments {
      courseId
      status
      percentComplete
      completedLessonIds
      course { slug title level lessons { id position title durationMinutes } }
    }
  }
}`,
  Catalog: `query Catalog($first: Int, $after: String, $track: String, $level: Level, $skill: String, $q: String) {
  courses(first: $first, after: $after, track: $track, level: $level, skill: $skill, q: $q) {
    nodes { id slug title summary level track skills lessonCount durationMinutes }
    pageInfo { hasNextPage endCursor }
  }
}`,
  Course: `query Course($slug: String!) {
  course(slug: $slug) {
    id slug title summary level status version
    track { slug title }
    lessons { id position title body durationMinutes }
    skills { slug name }
    allPrerequisites { slug title level depth }
  }
}`,
  Notifications: `query Notifications($first: Int, $after: String, $unread: Boolean) {
  me {
    notifications(first: $first, after: $after, unread: $unread) {
      nodes { id seq eventType title body createdAt readAt }
      pageInfo { hasNextPage endCursor }
      unreadCount
    }
  }
}`,
  Enrol: `mutation Enrol($courseId: ID!) {
  enrol(courseId: $courseId) { courseId status percentComplete }
}`,
  CompleteLesson: `mutation CompleteLesson($courseId: ID!, $lessonId: ID!) {
  completeLesson(courseId: $courseId, lessonId: $lessonId) { courseId status percentComplete changed }
}`,
  MarkAllNotificationsRead: `mutation MarkAllNotificationsRead {
  markAllNotificationsRead
}`,
} as const;

/** The SHA-256 a client sends for an operation's text (hex, as automatic persisted queries use). */
export const operationHash = (text: string) => createHash('sha256').update(text).digest('hex');

/** Allow-listed operation texts by their hash. */
export const persistedByHash = new Map(
  Object.values(persistedOperations).map((text) => [operationHash(text), text] as const),
);
