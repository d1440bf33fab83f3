-- The PostgreSQL side of 0003. Ids are never given twice already (SERIAL's
-- sequence does not go back, even past a deleted highest id), so only the
-- date of a password change is added, which tokens issued before it are
-- refused by. The course's columns are kept as Alembic made them, and its
-- application, which leaves this column NULL, still reads and writes them.
ALTER TABLE users ADD COLUMN password_changed_at TIMESTAMP WITHOUT TIME ZONE;
