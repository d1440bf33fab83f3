-- The todos of the course's lesson 10: the table exactly as its Alembic
-- migration (revision a6b139a38fe0) creates it, where Alembic has not
-- already; then ours: ids are never given twice (AUTOINCREMENT: a deleted
-- id, even the highest, is not reused) and an index on (user_id, id) serves
-- each owner's list in order. SQLite cannot add AUTOINCREMENT to a table, so
-- the table is rebuilt as its documentation describes (the line below asks
-- the runner to, foreign keys off meanwhile and checked before the commit);
-- an Alembic database keeps its todos and their ids, and the next id follows
-- its highest. The course's columns and constraints are kept as Alembic made
-- them (state holds a TodoState's name, with no CHECK), so its application
-- still reads and writes this table.
-- fast_zero: rebuilds todos
CREATE TABLE IF NOT EXISTS todos (
	id INTEGER NOT NULL, 
	title VARCHAR NOT NULL, 
	description VARCHAR NOT NULL, 
	state VARCHAR(5) NOT NULL, 
	user_id INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(user_id) REFERENCES users (id)
);
CREATE TABLE todos_0007 (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	title VARCHAR NOT NULL,
	description VARCHAR NOT NULL,
	state VARCHAR(5) NOT NULL,
	user_id INTEGER NOT NULL,
	FOREIGN KEY(user_id) REFERENCES users (id)
);
INSERT INTO todos_0007 (id, title, description, state, user_id)
	SELECT id, title, description, state, user_id FROM todos;
DROP TABLE todos;
ALTER TABLE todos_0007 RENAME TO todos;
CREATE INDEX ix_todos_user_id_id ON todos (user_id, id);
