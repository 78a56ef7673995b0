import type { Principal } from '@syllabus/auth';
import type { Cache } from '@syllabus/cache';
import { DEFAULT_PAGE_SIZE, DomainError } from '@syllabus/contracts';
import { loadCourseDetail } from './course-service';
import type { Course, CourseDetail, CourseFilter, CourseSummary } from './model';
import type { CourseRepository } from './ports';

export const cacheKeys = {
  course: (slug: string) => `course:${slug}`,
  listPrefix: 'list:',
};

const canSeeUnpublished = (principal: Principal | undefined, course: Course) =>
  principal !== undefined && (principal.roles.includes('admin') || principal.userId === course.authorId);

/**
 * What anyone may read. Published course pages and list pages go through the cache; authors
 * looking at their own drafts read PostgreSQL directly.
 */
export function createCatalogReads(deps: { courses: CourseRepository; cache: Cache }) {
  const { courses } = deps;

  const loadPublished = async (slug: string) => {
    const course = await courses.findBySlug(slug);
    return course?.status === 'published' ? loadCourseDetail(courses, course, true) : null;
  };
  const publishedDetail = (slug: string) =>
    deps.cache.getOrLoad<CourseDetail | null>(cacheKeys.course(slug), () => loadPublished(slug));

  async function visibleCourse(slug: string, principal: Principal | undefined): Promise<CourseDetail> {
    const published = await publishedDetail(slug);
    if (published) return published;
    const course = principal ? await courses.findBySlug(slug) : undefined;
    if (course && canSeeUnpublished(principal, course)) return loadCourseDetail(courses, course);
    throw new DomainError('course-not-found', `no course ${slug}`);
  }

  return {
    tracks: () => courses.listTracks(),
    skills: () => courses.listSkills(),

    /**
     * One page of published courses, and the keyset of the next page if there is one. Only the
     * canonical pages are cached — the first page of a filter at the default size, and only when
     * it has courses — so their number is bounded by the catalog itself: what a client invents
     * (search words, cursors, page sizes, unknown tracks or skills) is read from PostgreSQL and
     * never fills the cache.
     */
    listCourses(filter: CourseFilter) {
      const { track, level, skill, q, limit, after } = filter;
      const load = async () => {
        const rows = await courses.listPublished({ ...filter, limit: filter.limit + 1 });
        const items: CourseSummary[] = rows.slice(0, filter.limit);
        const last = items.at(-1);
        return {
          items,
          next: rows.length > filter.limit && last ? { title: last.title, id: last.id } : null,
        };
      };
      const canonical = q === undefined && after === undefined && limit === DEFAULT_PAGE_SIZE;
      if (!canonical) return load();
      return deps.cache.getOrLoad(cacheKeys.listPrefix + JSON.stringify([track, level, skill]), load, {
        worthKeeping: (page) => page.items.length > 0,
      });
    },

    course: visibleCourse,

    /** Several courses at once, in the order asked; the missing and the hidden left out. */
    async courses(slugs: string[], principal: Principal | undefined) {
      const found = await Promise.all(
        [...new Set(slugs)].map((slug) =>
          visibleCourse(slug, principal).catch((error: unknown) => {
            if (error instanceof DomainError && error.problem === 'course-not-found') return undefined;
            throw error;
          }),
        ),
      );
      return found.filter((course) => course !== undefined);
    },

    /** A published course as the JSON text it is cached as (`null` when there is none). */
    publishedCourseJson: (slug: string) =>
      deps.cache.getOrLoadText<CourseDetail | null>(cacheKeys.course(slug), () => loadPublished(slug)),

    async prerequisites(slug: string, transitive: boolean, principal: Principal | undefined) {
      const course = await visibleCourse(slug, principal);
      const publishedOnly = !canSeeUnpublished(principal, course);
      return transitive
        ? courses.prerequisiteClosure(course.id, publishedOnly)
        : (await courses.prerequisitesOf(course.id, publishedOnly)).map((ref) => ({ ...ref, depth: 1 }));
    },
  };
}

export type CatalogReads = ReturnType<typeof createCatalogReads>;
