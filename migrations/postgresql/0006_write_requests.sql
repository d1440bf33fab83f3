-- The PostgreSQL side of 0006: the writes each request made, by nginx's
-- request id and a tag of its token, so that a write nginx resends to
-- another host after the first one died with it committed is answered as
-- the first time (see the shared 0006). Written in the same statement as the
-- write; kept 10 minutes.
CREATE TABLE write_requests (
	request_key VARCHAR NOT NULL PRIMARY KEY,
	user_id INTEGER NOT NULL,
	done_at TIMESTAMP WITHOUT TIME ZONE NOT NULL
);
CREATE INDEX ix_write_requests_done_at ON write_requests (done_at);
