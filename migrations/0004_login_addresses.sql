-- The client addresses that have logged in to an account (issue 17): a
-- login from one of them spends a budget of its own, which wrong passwords
-- sprayed from other addresses cannot spend, so a victim is never locked out
-- of its own account from where it logs in. address is the budget's key for
-- the client (an IPv6 client's /64); password_tag the tag of the hash it
-- logged in with (a password change forgets every address); at most 8 are
-- kept per account, the most recent (store_sqlite.c). The course's
-- application never reads it.
CREATE TABLE login_addresses (
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	address VARCHAR NOT NULL,
	password_tag VARCHAR NOT NULL,
	last_login DATETIME NOT NULL,
	PRIMARY KEY (user_id, address)
);
