import { useEffect, useState } from 'preact/hooks';
import { api, failureOf, type Failure, type Schemas } from '../api';
import { FailureBox, Field, Page, formText } from '../ui';

const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** A new course (a draft until published). */
export function NewCoursePage() {
  const [failure, setFailure] = useState<Failure>();
  const [tracks, setTracks] = useState<Schemas['Track'][]>([]);
  useEffect(() => void api.GET('/v1/tracks').then(({ data }) => setTracks(data?.items ?? [])), []);

  async function create(event: SubmitEvent) {
    setFailure(undefined);
    const form = formText(event);
    const { data, error, response } = await api.POST('/v1/courses', {
      body: {
        slug: form('slug'),
        title: form('title'),
        summary: form('summary'),
        level: form('level') as Schemas['NewCourse']['level'],
        track: form('track'),
        skills: list(form('skills')),
        prerequisites: list(form('prerequisites')),
      },
    });
    if (!data) return setFailure(failureOf(error, response));
    location.hash = `#/author/${data.slug}`;
  }

  return (
    <Page title="New course">
      <form onSubmit={(event) => void create(event)} noValidate>
        <FailureBox failure={failure} />
        <Field label="Slug" name="slug" failure={failure}>
          <input id="field-slug" name="slug" required />
        </Field>
        <Field label="Title" name="title" failure={failure}>
          <input id="field-title" name="title" required />
        </Field>
        <Field label="Summary" name="summary" failure={failure}>
          <textarea id="field-summary" name="summary" required />
        </Field>
        <Field label="Level" name="level" failure={failure}>
          <select id="field-level" name="level">
            <option>entry</option>
            <option>mid</option>
            <option>senior</option>
          </select>
        </Field>
        <Field label="Track" name="track" failure={failure}>
          <select id="field-track" name="track">
            {tracks.map((track) => (
              <option value={track.slug}>{track.title}</option>
            ))}
          </select>
        </Field>
        <SlugList label="Skills" name="skills" failure={failure} />
        <SlugList label="Prerequisites (course slugs)" name="prerequisites" failure={failure} />
        <button type="submit">Create draft</button>
      </form>
    </Page>
  );
}

/** Edits a course: details under If-Match, lessons, skills, prerequisites, publish and archive. */
export function EditCoursePage({ slug }: { slug: string }) {
  const [course, setCourse] = useState<Schemas['Course']>();
  const [etag, setEtag] = useState('');
  const [failure, setFailure] = useState<Failure>();

  // Read by slug; every write names the course by its id.
  const path = { course: course?.id ?? '' };
  async function load() {
    const { data, error, response } = await api.GET('/v1/courses/{course}', {
      params: { path: { course: slug } },
    });
    if (!data) return setFailure(failureOf(error, response));
    setCourse(data);
    setEtag(response.headers.get('etag') ?? '');
  }
  useEffect(() => void load(), [slug]);

  /** Every write answers the course as it now is, with its new ETag. */
  function settle(result: { data?: Schemas['Course']; error?: unknown; response: Response }) {
    if (!result.data) {
      const failed = failureOf(result.error, result.response);
      if (failed.status === 412)
        failed.detail = `${failed.detail ?? ''}. Someone else changed this course first: load their version, then edit again.`;
      return setFailure(failed);
    }
    setFailure(undefined);
    setCourse(result.data);
    setEtag(result.response.headers.get('etag') ?? etag);
  }
  const ifMatch = () => ({ path, header: { 'if-match': etag } });

  if (!course) return <FailureBox failure={failure} />;
  const conflict = failure?.status === 412;

  async function saveDetails(event: SubmitEvent) {
    const form = formText(event);
    settle(
      await api.PATCH('/v1/courses/{course}', {
        params: ifMatch(),
        body: { title: form('title'), summary: form('summary') },
      }),
    );
  }

  async function addLesson(event: SubmitEvent) {
    const form = formText(event);
    settle(
      await api.POST('/v1/courses/{course}/lessons', {
        params: { path },
        body: {
          title: form('lessonTitle'),
          body: form('lessonBody'),
          durationMinutes: Number(form('durationMinutes')),
        },
      }),
    );
    (event.target as HTMLFormElement).reset();
  }

  async function saveGraph(event: SubmitEvent) {
    const form = formText(event);
    settle(
      await api.PUT('/v1/courses/{course}/skills', {
        params: { path },
        body: { skills: list(form('skills')) },
      }),
    );
    settle(
      await api.PUT('/v1/courses/{course}/prerequisites', {
        params: { path },
        body: { prerequisites: list(form('prerequisites')) },
      }),
    );
  }

  async function move(index: number, by: -1 | 1) {
    const ids = course!.lessons.map((lesson) => lesson.id);
    [ids[index], ids[index + by]] = [ids[index + by]!, ids[index]!];
    settle(
      await api.PUT('/v1/courses/{course}/lessons/order', { params: { path }, body: { lessonIds: ids } }),
    );
  }

  return (
    <Page title={`Edit: ${course.title}`}>
      <p>
        Status: <strong id="status">{course.status}</strong> · version {course.version}
      </p>
      <FailureBox failure={failure} />
      {conflict && (
        <button type="button" onClick={() => void load().then(() => setFailure(undefined))}>
          Load their version
        </button>
      )}
      {/* Fields start from the course as loaded (`defaultValue`: a render never undoes typing, so a
          refused save keeps what was typed); when the course's own values change, they start again. */}
      <form
        key={`${course.title}\n${course.summary}`}
        onSubmit={(event) => void saveDetails(event)}
        noValidate
      >
        <Field label="Title" name="title" failure={failure}>
          <input id="field-title" name="title" defaultValue={course.title} />
        </Field>
        <Field label="Summary" name="summary" failure={failure}>
          <textarea id="field-summary" name="summary" defaultValue={course.summary} />
        </Field>
        <button type="submit">Save details</button>
      </form>
      <h2>Lessons</h2>
      <ol>
        {course.lessons.map((lesson, index) => (
          <li>
            {lesson.title}{' '}
            <button
              type="button"
              disabled={index === 0}
              onClick={() => void move(index, -1)}
              aria-label={`Move ${lesson.title} up`}
            >
              ↑
            </button>
            <button
              type="button"
              disabled={index === course.lessons.length - 1}
              onClick={() => void move(index, 1)}
              aria-label={`Move ${lesson.title} down`}
            >
              ↓
            </button>
            <button
              type="button"
              onClick={() =>
                void api
                  .DELETE('/v1/courses/{course}/lessons/{lesson}', {
                    params: { path: { course: course.id, lesson: lesson.id } },
                  })
                  .then(settle)
              }
            >
              Remove {lesson.title}
            </button>
          </li>
        ))}
      </ol>
      <form onSubmit={(event) => void addLesson(event)} noValidate>
        <Field label="Lesson title" name="lessonTitle" failure={failure}>
          <input id="field-lessonTitle" name="lessonTitle" />
        </Field>
        <Field label="Lesson text" name="lessonBody" failure={failure}>
          <textarea id="field-lessonBody" name="lessonBody" />
        </Field>
        <Field label="Minutes" name="durationMinutes" failure={failure}>
          <input id="field-durationMinutes" name="durationMinutes" type="number" min={1} defaultValue="10" />
        </Field>
        <button type="submit">Add lesson</button>
      </form>
      <h2>Skills and prerequisites</h2>
      <form key={graphKey(course)} onSubmit={(event) => void saveGraph(event)}>
        <SlugList
          label="Skills"
          name="skills"
          failure={failure}
          value={course.skills.map((skill) => skill.slug)}
        />
        <SlugList
          label="Prerequisites (course slugs)"
          name="prerequisites"
          failure={failure}
          value={course.prerequisites.map((prerequisite) => prerequisite.slug)}
        />
        <button type="submit">Save skills and prerequisites</button>
      </form>
      <h2>Publishing</h2>
      <button
        type="button"
        disabled={course.status !== 'draft'}
        onClick={() => void api.POST('/v1/courses/{course}/publish', { params: { path } }).then(settle)}
      >
        Publish
      </button>{' '}
      <button
        type="button"
        disabled={course.status !== 'published'}
        onClick={() => void api.POST('/v1/courses/{course}/archive', { params: { path } }).then(settle)}
      >
        Archive
      </button>{' '}
      <a href={`#/courses/${course.slug}`}>See it as a learner</a>
    </Page>
  );
}

const graphKey = (course: Schemas['Course']) =>
  [...course.skills.map((skill) => skill.slug), '|', ...course.prerequisites.map((p) => p.slug)].join(' ');

/** A list of slugs, typed comma-separated. */
function SlugList(props: { label: string; name: string; failure?: Failure; value?: string[] }) {
  return (
    <Field label={`${props.label}, comma-separated`} name={props.name} failure={props.failure}>
      <input id={`field-${props.name}`} name={props.name} defaultValue={props.value?.join(', ')} />
    </Field>
  );
}
