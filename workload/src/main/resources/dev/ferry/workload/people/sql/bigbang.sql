-- The baseline: one step that moves the address and drops the old columns at once, run before a
-- plain rolling update. Careful about its own data (the lock keeps every write out between the copy
-- and the drop), but every 1.0 pod still serving fails from here on, and 1.0 can never come back.
LOCK TABLE person IN ACCESS EXCLUSIVE MODE;
CREATE TABLE IF NOT EXISTS address (
  person_id bigint PRIMARY KEY REFERENCES person (id) ON DELETE CASCADE,
  street    text,
  city      text
);
INSERT INTO address (person_id, street, city)
  SELECT id, street, city FROM person
  ON CONFLICT (person_id) DO NOTHING;
ALTER TABLE person DROP COLUMN street, DROP COLUMN city;
