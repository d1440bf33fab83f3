-- The PostgreSQL side of 0007: the todos table as the course's Alembic
-- migration (revision a6b139a38fe0) creates it, the native enum type
-- todostate first, where Alembic has not already; then ours, an index on
-- (user_id, id) for each owner's list in order. Ids are never given twice
-- already (SERIAL's sequence does not go back). The constraints are named as
-- PostgreSQL names them (todos_pkey, todos_user_id_fkey), so that either
-- tool's database is the other's.
DO $$ BEGIN
	CREATE TYPE todostate AS ENUM ('draft', 'todo', 'doing', 'done', 'trash');
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
CREATE TABLE IF NOT EXISTS todos (
	id SERIAL NOT NULL,
	title VARCHAR NOT NULL,
	description VARCHAR NOT NULL,
	state todostate NOT NULL,
	user_id INTEGER NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(user_id) REFERENCES users (id)
);
CREATE INDEX ix_todos_user_id_id ON todos (user_id, id);
