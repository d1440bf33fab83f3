-- The budgets that protect an account (logins per email, per remembered
-- address), kept here so that they hold for the whole deployment: with
-- several hosts, each host's own memory would give an attacker one budget
-- per host. One row per budget that is not full: key is an HMAC (keyed
-- with SECRET_KEY) of the rule and the email, tat GCRA's theoretical arrival
-- time in unix milliseconds on the database's clock, allowed whether the
-- last take was let through. UNLOGGED: a budget is worth nothing after a
-- crash (it starts full again), and its writes cost no WAL. Rows whose tat
-- has passed are full budgets, deleted now and then by the workers.
CREATE UNLOGGED TABLE budgets (
	key BYTEA PRIMARY KEY,
	tat BIGINT NOT NULL,
	allowed BOOLEAN NOT NULL DEFAULT true
);
CREATE INDEX budgets_tat ON budgets (tat);
