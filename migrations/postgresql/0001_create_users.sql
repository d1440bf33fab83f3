-- The users table as the course's first Alembic migration (revision
-- 74f39286e2f6) creates it on PostgreSQL: SERIAL id, TIMESTAMP created_at
-- defaulting to now(), and the UNIQUE constraints named as PostgreSQL names
-- them (users_email_key, users_username_key), which store_pg.c reads.
CREATE TABLE users (
	id SERIAL NOT NULL,
	username VARCHAR NOT NULL,
	password VARCHAR NOT NULL,
	email VARCHAR NOT NULL,
	created_at TIMESTAMP WITHOUT TIME ZONE DEFAULT now() NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (email),
	UNIQUE (username)
);
