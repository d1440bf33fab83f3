-- The writes (PUT, DELETE) each request made (issue 17): nginx passes a PUT
-- or DELETE to another host when the one that had it dies, and a write that
-- host had committed must then be answered as the first time, not 401 (its
-- token's account is gone, or its password changed). request_key is nginx's
-- request id (the same for the resent request) and a tag of the request's
-- bearer token (keyed with SECRET_KEY: only the same request with the same
-- token finds it). A row is written in the same transaction as the write it
-- records, and kept 10 minutes (the workers delete older ones). No foreign
-- key: a deleted user's row must stay. The course's application never reads
-- it.
CREATE TABLE write_requests (
	request_key VARCHAR NOT NULL PRIMARY KEY,
	user_id INTEGER NOT NULL,
	done_at DATETIME NOT NULL
);
CREATE INDEX ix_write_requests_done_at ON write_requests (done_at);
