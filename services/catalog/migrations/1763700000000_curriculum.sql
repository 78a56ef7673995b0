-- Up Migration

CREATE TABLE tracks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  title text NOT NULL,
  description text NOT NULL DEFAULT '',
  position integer NOT NULL DEFAULT 0
);

CREATE TABLE skills (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  name text NOT NULL
);

CREATE TYPE course_level AS ENUM ('entry', 'mid', 'senior');
CREATE TYPE course_status AS ENUM ('draft', 'published', 'archived');

CREATE TABLE courses (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  track_id uuid NOT NULL REFERENCES tracks (id),
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  summary text NOT NULL DEFAULT '',
  level course_level NOT NULL,
  status course_status NOT NULL DEFAULT 'draft',
  -- Optimistic concurrency: every change to the course or its lessons, skills and
  -- prerequisites increments it; writers send it back in If-Match.
  version integer NOT NULL DEFAULT 1,
  author_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', summary), 'B')
  ) STORED
);

-- The public list reads published courses only, in (title, id) order for keyset pagination.
CREATE INDEX courses_published_order ON courses (title, id) WHERE status = 'published';
CREATE INDEX courses_published_track ON courses (track_id, title, id) WHERE status = 'published';
CREATE INDEX courses_published_level ON courses (level, title, id) WHERE status = 'published';
CREATE INDEX courses_search ON courses USING gin (search);
CREATE INDEX courses_author ON courses (author_id);

CREATE TABLE lessons (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  course_id uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  position integer NOT NULL CHECK (position >= 1),
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  body text NOT NULL DEFAULT '',
  duration_minutes integer NOT NULL DEFAULT 10 CHECK (duration_minutes BETWEEN 1 AND 600),
  -- Deferrable, so that a reorder can move positions around inside one transaction.
  CONSTRAINT lessons_unique_position UNIQUE (course_id, position) DEFERRABLE INITIALLY IMMEDIATE
);

CREATE TABLE course_skills (
  course_id uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  skill_id uuid NOT NULL REFERENCES skills (id),
  PRIMARY KEY (course_id, skill_id)
);
CREATE INDEX course_skills_skill ON course_skills (skill_id, course_id);

CREATE TABLE course_prerequisites (
  course_id uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  prerequisite_id uuid NOT NULL REFERENCES courses (id),
  PRIMARY KEY (course_id, prerequisite_id),
  CHECK (course_id <> prerequisite_id)
);
CREATE INDEX course_prerequisites_reverse ON course_prerequisites (prerequisite_id);

-- Transactional outbox: events are written with the change they describe and relayed to
-- RabbitMQ afterwards; `published_at` is set once the broker has confirmed them.
CREATE TABLE outbox (
  position bigserial PRIMARY KEY,
  event_id uuid NOT NULL UNIQUE,
  type text NOT NULL,
  event jsonb NOT NULL,
  -- W3C trace context of the request that wrote it, so the relay publishes inside that trace.
  trace_context jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  attempts integer NOT NULL DEFAULT 0
);
CREATE INDEX outbox_pending ON outbox (position) WHERE published_at IS NULL;

-- Down Migration

DROP TABLE outbox;
DROP TABLE course_prerequisites;
DROP TABLE course_skills;
DROP TABLE lessons;
DROP TABLE courses;
DROP TYPE course_status;
DROP TYPE course_level;
DROP TABLE skills;
DROP TABLE tracks;
