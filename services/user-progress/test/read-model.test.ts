import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createEvent } from '@syllabus/contracts';
import { waitFor } from '@syllabus/testing';
import { applyCourseEvent } from '../src/domain/course-read-model';
import { startUserProgress } from './support';

let service: Awaited<ReturnType<typeof startUserProgress>>;

describe('course read model from catalog events', () => {
  before(async () => (service = await startUserProgress()));
  after(() => service.stop());

  it('when a course is published then updated, then the local copy follows, lessons in order', async () => {
    const course = await service.givenCourse(2);
    const lessonIds = [course.lessonIds[1]!, course.lessonIds[0]!, randomUUID()];
    await service.publishCourse('catalog.course-updated.v1', {
      ...course,
      version: 2,
      title: 'Renamed',
      lessonIds,
    });
    const stored = await waitFor(async () => {
      const doc = await service.deps.models.courses.findById(course.courseId).lean();
      return doc?.version === 2 && doc;
    });
    assert.equal(stored.title, 'Renamed');
    assert.deepEqual(stored.lessonIds, lessonIds);
    assert.equal(stored.status, 'published');
  });

  it('when an older version arrives after a newer one, or an event twice, then nothing changes', async () => {
    const course = await service.givenCourse(2);
    await service.publishCourse('catalog.course-updated.v1', {
      ...course,
      version: 3,
      title: 'Version three',
    });
    await waitFor(
      async () => (await service.deps.models.courses.findById(course.courseId).lean())?.version === 3,
    );
    await service.publishCourse('catalog.course-updated.v1', {
      ...course,
      version: 2,
      title: 'Version two, late',
    });
    await service.publishCourse('catalog.course-updated.v1', {
      ...course,
      version: 3,
      title: 'Version three, again',
    });
    // A marker published after them: once it is applied, the two before it were handled.
    const marker = await service.givenCourse(1);
    assert.ok(marker);
    const stored = await service.deps.models.courses.findById(course.courseId).lean();
    assert.equal(stored!.version, 3);
    assert.equal(stored!.title, 'Version three');
  });

  it('when the same event is handled twice, then the second changes nothing', async () => {
    const course = await service.givenCourse(1);
    const event = createEvent(
      'catalog.course-updated.v1',
      { ...course, version: 5, title: 'Five' },
      { source: 'catalog', subject: `course/${course.courseId}` },
    );
    await applyCourseEvent(service.useCases.courses, event);
    await applyCourseEvent(service.useCases.courses, event);
    const stored = await service.deps.models.courses.findById(course.courseId).lean();
    assert.equal(stored!.version, 5);
    assert.equal(await service.deps.models.courses.countDocuments({ _id: course.courseId }), 1);
  });
});
