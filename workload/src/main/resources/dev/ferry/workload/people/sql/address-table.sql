-- ADDRESS alone (a big-bang step run again finds the columns gone and only makes sure of this).
CREATE TABLE IF NOT EXISTS address (
  person_id bigint PRIMARY KEY REFERENCES person (id) ON DELETE CASCADE,
  street    text,
  city      text
);
