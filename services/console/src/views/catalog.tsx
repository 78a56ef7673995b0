import { useEffect, useRef, useState } from 'preact/hooks';
import { api, failureOf, type Failure, type Schemas } from '../api';
import { FailureBox, Page } from '../ui';

type Filters = { q: string; level: string; track: string; skill: string };
const levels = ['entry', 'mid', 'senior'] as const;

/** Tracks and courses: search, level, track and skill filters, and "load more". */
export function CatalogPage() {
  const [filters, setFilters] = useState<Filters>({ q: '', level: '', track: '', skill: '' });
  // What is typed, kept in state so that a render (say, when the tracks arrive) never puts back
  // the last searched text over it; searched on Enter, the button, or leaving the box.
  const [typed, setTyped] = useState('');
  const [tracks, setTracks] = useState<Schemas['Track'][]>([]);
  const [skills, setSkills] = useState<Schemas['Skill'][]>([]);
  const [courses, setCourses] = useState<Schemas['CourseSummary'][]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [failure, setFailure] = useState<Failure>();
  // Only the answer to the latest request is shown: an earlier one may arrive after it.
  const latest = useRef(0);

  useEffect(() => {
    void api.GET('/v1/tracks').then(({ data }) => setTracks(data?.items ?? []));
    void api.GET('/v1/skills').then(({ data }) => setSkills(data?.items ?? []));
  }, []);

  async function load(from: string | null, current: Filters) {
    const query = {
      ...(current.q ? { q: current.q } : {}),
      ...(current.level ? { level: current.level as (typeof levels)[number] } : {}),
      ...(current.track ? { track: current.track } : {}),
      ...(current.skill ? { skill: current.skill } : {}),
      ...(from ? { cursor: from } : {}),
      limit: 10,
    };
    const request = ++latest.current;
    const { data, error, response } = await api.GET('/v1/courses', { params: { query } });
    if (request !== latest.current) return;
    if (!data) return setFailure(failureOf(error, response));
    setFailure(undefined);
    setCourses((shown) => (from ? [...shown, ...data.items] : data.items));
    setCursor(data.nextCursor);
  }
  useEffect(() => void load(null, filters), [filters]);

  const set = (name: keyof Filters) => (event: Event) =>
    setFilters({ ...filters, [name]: (event.target as HTMLInputElement).value });
  /** Searches what is typed: again on Enter or the button, only if it changed on leaving the box. */
  const search = (always: boolean) => {
    if (always || typed !== filters.q) setFilters({ ...filters, q: typed });
  };

  return (
    <Page title="Courses">
      <form
        class="filters"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          search(true);
        }}
      >
        <label>
          Search{' '}
          <input
            name="q"
            type="search"
            value={typed}
            onInput={(event) => setTyped((event.target as HTMLInputElement).value)}
            onChange={() => search(false)}
          />
        </label>
        <button type="submit">Search</button>
        <Choice
          label="Level"
          value={filters.level}
          onChange={set('level')}
          options={levels.map((l) => [l, l])}
        />
        <Choice
          label="Track"
          value={filters.track}
          onChange={set('track')}
          options={tracks.map((track) => [track.slug, track.title])}
        />
        <Choice
          label="Skill"
          value={filters.skill}
          onChange={set('skill')}
          options={skills.map((skill) => [skill.slug, skill.name])}
        />
      </form>
      <FailureBox failure={failure} />
      <ul class="courses" aria-live="polite">
        {courses.map((course) => (
          <li>
            <a href={`#/courses/${course.slug}`}>{course.title}</a> <span class="tag">{course.level}</span>{' '}
            <span class="muted">
              {course.lessonCount} lessons · {course.durationMinutes} min
            </span>
            <p>{course.summary}</p>
          </li>
        ))}
      </ul>
      {courses.length === 0 && !failure && <p>No course matches.</p>}
      {cursor && (
        <button type="button" onClick={() => void load(cursor, filters)}>
          Load more
        </button>
      )}
    </Page>
  );
}

/** A filter: "any", or one of `options` (value, label). */
function Choice(props: {
  label: string;
  value: string;
  onChange: (event: Event) => void;
  options: (readonly [string, string])[];
}) {
  return (
    <label>
      {props.label}
      <select value={props.value} onChange={props.onChange}>
        <option value="">any</option>
        {props.options.map(([value, label]) => (
          <option value={value}>{label}</option>
        ))}
      </select>
    </label>
  );
}
