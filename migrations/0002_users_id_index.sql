-- A covering index on id alone. A page of GET /users/ deep in the table
-- skips its offset here (a few bytes an entry) instead of through the
-- table's own pages (a whole row an entry): ~10 times less to read, and
-- the answer stays the same rows in the same order.
CREATE INDEX ix_users_id ON users (id);
