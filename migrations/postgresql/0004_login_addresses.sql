-- The PostgreSQL side of 0004: the client addresses that have logged in to
-- an account, whose logins spend a budget of their own (see the shared
-- 0004). Kept in the database, so every host of a deployment knows them.
CREATE TABLE login_addresses (
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	address VARCHAR NOT NULL,
	password_tag VARCHAR NOT NULL,
	last_login TIMESTAMP WITHOUT TIME ZONE NOT NULL,
	PRIMARY KEY (user_id, address)
);
