-- One row per successful run of a step: a run twice shows twice.
CREATE TABLE IF NOT EXISTS people_schema_history (
  step    text        NOT NULL,
  version text        NOT NULL,
  ran_at  timestamptz NOT NULL DEFAULT now()
);
