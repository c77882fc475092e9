-- 2.2's expand: every ADDRESS change copied back into PERSON, so that versions reading PERSON
-- (2.1, and 1.0 until a contract retired it) read what versions writing ADDRESS only wrote.
CREATE OR REPLACE FUNCTION people_copy_address_to_person() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() > 1 THEN
    RETURN NULL;
  END IF;
  UPDATE person SET street = NEW.street, city = NEW.city
   WHERE id = NEW.person_id
     AND (street, city) IS DISTINCT FROM (NEW.street, NEW.city);
  RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER people_copy_address_to_person
  AFTER INSERT OR UPDATE OF street, city ON address
  FOR EACH ROW EXECUTE FUNCTION people_copy_address_to_person();
