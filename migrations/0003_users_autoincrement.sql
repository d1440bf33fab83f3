-- Ids are never given twice (AUTOINCREMENT: a deleted id, even the highest,
-- is not reused), and a password change is dated, so that tokens issued
-- before it are refused. SQLite cannot add AUTOINCREMENT to a table, so the
-- table is rebuilt as its documentation describes; the runner recreates the
-- indexes the old table had (the line below asks it to). The course's columns
-- and constraints are kept as Alembic made them, so its application still
-- reads and writes this database; it leaves password_changed_at NULL.
-- fast_zero: rebuilds users
CREATE TABLE users_0003 (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	username VARCHAR NOT NULL,
	password VARCHAR NOT NULL,
	email VARCHAR NOT NULL,
	created_at DATETIME DEFAULT (CURRENT_TIMESTAMP) NOT NULL,
	password_changed_at DATETIME,
	UNIQUE (email),
	UNIQUE (username)
);
INSERT INTO users_0003 (id, username, password, email, created_at)
	SELECT id, username, password, email, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_0003 RENAME TO users;
