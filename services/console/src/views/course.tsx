import { useEffect, useState } from 'preact/hooks';
import { api, failureOf, state, type Failure, type Schemas } from '../api';
import { FailureBox, Page, percent } from '../ui';

/** A course: its ordered lessons, skills, transitive prerequisites; enrol and complete lessons. */
export function CoursePage({ slug }: { slug: string }) {
  const [course, setCourse] = useState<Schemas['Course']>();
  const [prerequisites, setPrerequisites] = useState<Schemas['Prerequisite'][]>([]);
  const [enrolment, setEnrolment] = useState<Schemas['Enrollment'] | Schemas['Completion']>();
  const [failure, setFailure] = useState<Failure>();

  useEffect(() => {
    void (async () => {
      const path = { course: slug };
      const found = await api.GET('/v1/courses/{course}', { params: { path } });
      if (!found.data) return setFailure(failureOf(found.error, found.response));
      setCourse(found.data);
      const graph = await api.GET('/v1/courses/{course}/prerequisites', {
        params: { path, query: { transitive: 'true' } },
      });
      setPrerequisites(graph.data?.items ?? []);
      if (state.session) {
        const mine = await api.GET('/v1/me/enrollments');
        setEnrolment(mine.data?.items.find((e) => e.courseId === found.data.id));
      }
    })();
  }, [slug]);

  if (!course) return <FailureBox failure={failure} />;

  async function enrol() {
    const { data, error, response } = await api.POST('/v1/me/enrollments', {
      body: { courseId: course!.id },
    });
    if (!data) return setFailure(failureOf(error, response));
    setFailure(undefined);
    setEnrolment(data);
  }

  async function complete(lesson: string) {
    const { data, error, response } = await api.PUT(
      '/v1/me/enrollments/{course}/lessons/{lesson}/completion',
      {
        params: { path: { course: course!.id, lesson } },
      },
    );
    if (!data) return setFailure(failureOf(error, response));
    setFailure(undefined);
    setEnrolment(data);
  }

  const done = new Set(enrolment?.completedLessonIds ?? []);
  return (
    <Page title={course.title}>
      <p>{course.summary}</p>
      <p>
        <span class="tag">{course.level}</span> <span class="tag">{course.track.title}</span>{' '}
        {course.skills.map((skill) => (
          <span class="tag">{skill.name}</span>
        ))}
      </p>
      <FailureBox failure={failure} />
      {state.session && !enrolment && (
        <button type="button" onClick={() => void enrol()}>
          Enrol
        </button>
      )}
      {enrolment && (
        <p>
          <progress max={100} value={enrolment.percentComplete} aria-label="Progress" />{' '}
          <span id="progress">{percent(enrolment.percentComplete)} complete</span>
          {enrolment.status === 'completed' && <strong> · Course completed ✓</strong>}
        </p>
      )}
      <h2>Lessons</h2>
      <ol class="lessons">
        {course.lessons.map((lesson) => (
          <li>
            {lesson.title} <span class="muted">{lesson.durationMinutes} min</span>{' '}
            {done.has(lesson.id) ? (
              <span>✓ done</span>
            ) : (
              enrolment && (
                <button type="button" onClick={() => void complete(lesson.id)}>
                  Complete “{lesson.title}”
                </button>
              )
            )}
          </li>
        ))}
      </ol>
      <h2>Prerequisites</h2>
      {prerequisites.length === 0 ? (
        <p>None.</p>
      ) : (
        <ul class="prerequisites">
          {prerequisites.map((prerequisite) => (
            <li style={{ marginLeft: `${(prerequisite.depth - 1) * 1.5}em` }}>
              <a href={`#/courses/${prerequisite.slug}`}>{prerequisite.title}</a>{' '}
              <span class="muted">
                ({prerequisite.depth === 1 ? 'direct' : `${prerequisite.depth} steps away`})
              </span>
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}
