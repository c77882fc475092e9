-- 1.0's table. PERSON keeps id and name for good; street and city move to ADDRESS.
CREATE TABLE IF NOT EXISTS person (
  id     bigint PRIMARY KEY,
  name   text   NOT NULL,
  street text,
  city   text
);
