-- 2.3's contract: the point of no return. Nothing reads PERSON.street/city any more (2.2 and 2.1 are
-- retired); the copy back goes with them.
DROP TRIGGER IF EXISTS people_copy_address_to_person ON address;
DROP FUNCTION IF EXISTS people_copy_address_to_person();
ALTER TABLE person DROP COLUMN IF EXISTS street, DROP COLUMN IF EXISTS city;
