-- 2.1's contract (and every later one): 1.0 is retired, every version still allowed writes ADDRESS
-- itself, so the PERSON -> ADDRESS trigger only costs a second write.
DROP TRIGGER IF EXISTS people_copy_person_to_address ON person;
DROP FUNCTION IF EXISTS people_copy_person_to_address();
