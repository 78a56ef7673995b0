-- Up Migration

-- The trace of the event that queued a delivery, so the send joins the learner's trace.
ALTER TABLE deliveries ADD COLUMN trace_context jsonb NOT NULL DEFAULT '{}';

-- Down Migration

ALTER TABLE deliveries DROP COLUMN trace_context;
