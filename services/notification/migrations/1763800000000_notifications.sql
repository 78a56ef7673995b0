-- Up Migration

-- Every event handled, by id: a redelivered event finds its id here and is skipped.
CREATE TABLE inbox (
  event_id uuid PRIMARY KEY,
  type text NOT NULL,
  handled_at timestamptz NOT NULL DEFAULT now()
);

-- Who a user is, as far as notifications need: learnt from identity.user-registered.v1.
CREATE TABLE recipients (
  user_id text PRIMARY KEY,
  email text NOT NULL,
  display_name text NOT NULL,
  time_zone text NOT NULL DEFAULT 'UTC'
);

-- Course titles, learnt from the catalog's events, for the messages.
CREATE TABLE course_titles (
  course_id text PRIMARY KEY,
  title text NOT NULL
);

CREATE TABLE notifications (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Orders the feed and numbers the live stream (the SSE id, and Last-Event-ID on resume).
  seq bigserial NOT NULL UNIQUE,
  user_id text NOT NULL,
  event_id uuid NOT NULL,
  event_type text NOT NULL,
  title text NOT NULL CHECK (length(title) <= 300),
  body text NOT NULL CHECK (length(body) <= 2000),
  created_at timestamptz NOT NULL DEFAULT now(),
  read_at timestamptz,
  UNIQUE (user_id, event_id)
);
CREATE INDEX notifications_feed ON notifications (user_id, seq DESC);
CREATE INDEX notifications_unread ON notifications (user_id, seq DESC) WHERE read_at IS NULL;

-- A missing row means the default for that event type and channel.
CREATE TABLE preferences (
  user_id text NOT NULL,
  event_type text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('in_app', 'email', 'webhook')),
  enabled boolean NOT NULL,
  PRIMARY KEY (user_id, event_type, channel)
);

CREATE TABLE webhook_subscriptions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id text NOT NULL,
  url text NOT NULL,
  event_types text[] NOT NULL,
  secret text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  consecutive_failures integer NOT NULL DEFAULT 0,
  disabled_at timestamptz,
  deleted_at timestamptz
);
CREATE INDEX webhook_subscriptions_user ON webhook_subscriptions (user_id) WHERE deleted_at IS NULL;

-- Email and webhook sends to make, written with the notification in one transaction, then
-- worked off with retries and backoff: each row is one email or one webhook call.
CREATE TABLE deliveries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id uuid NOT NULL,
  channel text NOT NULL CHECK (channel IN ('email', 'webhook')),
  user_id text NOT NULL,
  subscription_id uuid REFERENCES webhook_subscriptions (id),
  payload jsonb NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed', 'skipped')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  UNIQUE NULLS NOT DISTINCT (event_id, channel, user_id, subscription_id)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';

-- Down Migration

DROP TABLE deliveries;
DROP TABLE webhook_subscriptions;
DROP TABLE preferences;
DROP TABLE notifications;
DROP TABLE course_titles;
DROP TABLE recipients;
DROP TABLE inbox;
