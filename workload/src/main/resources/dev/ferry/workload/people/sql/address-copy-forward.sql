-- 2.1's expand: ADDRESS, and every PERSON change copied into it (1.0 pods still write PERSON only).
CREATE TABLE IF NOT EXISTS address (
  person_id bigint PRIMARY KEY REFERENCES person (id) ON DELETE CASCADE,
  street    text,
  city      text
);

CREATE OR REPLACE FUNCTION people_copy_person_to_address() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- Only writes made by a statement, not by the other direction's trigger: no copy loop.
  IF pg_trigger_depth() > 1 THEN
    RETURN NULL;
  END IF;
  INSERT INTO address (person_id, street, city) VALUES (NEW.id, NEW.street, NEW.city)
  ON CONFLICT (person_id) DO UPDATE SET street = EXCLUDED.street, city = EXCLUDED.city
    WHERE (address.street, address.city) IS DISTINCT FROM (EXCLUDED.street, EXCLUDED.city);
  RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER people_copy_person_to_address
  AFTER INSERT OR UPDATE OF street, city ON person
  FOR EACH ROW EXECUTE FUNCTION people_copy_person_to_address();

-- The backfill inserts only the persons ADDRESS lacks and never overwrites: a row ADDRESS has is
-- kept current by the trigger (and by the apps' own writes), and an overwrite from this
-- statement's snapshot could put an older address back over a newer one.
INSERT INTO address (person_id, street, city)
  SELECT id, street, city FROM person
  ON CONFLICT (person_id) DO NOTHING;
