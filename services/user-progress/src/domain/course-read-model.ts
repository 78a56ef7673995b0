import { trusted } from '../data-access/trusted';
import type { DomainEvent } from '@syllabus/contracts';
import { isDuplicateKey, type Models } from '../data-access/models';

/**
 * Keeps the local copy of a catalog course current. Idempotent and order-proof: the write
 * matches only an older version, so a replayed or late event finds nothing to change (its
 * upsert then collides with the newer document and is ignored).
 */
export async function applyCourseEvent(models: Models, event: DomainEvent) {
  if (!event.type.startsWith('catalog.')) return;
  const data = event.data as {
    courseId: string;
    slug: string;
    title: string;
    version: number;
    lessonIds: string[];
  };
  try {
    await models.courses.updateOne(
      { _id: data.courseId, version: trusted({ $lt: data.version }) },
      {
        $set: {
          slug: data.slug,
          title: data.title,
          version: data.version,
          lessonIds: data.lessonIds,
          status: event.type === 'catalog.course-archived.v1' ? 'archived' : 'published',
          updatedAt: new Date(event.time),
        },
      },
      { upsert: true },
    );
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
}
