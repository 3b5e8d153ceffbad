-- SQLite only (see migrations/sqlite): PostgreSQL keeps large values out of
-- line (TOAST), so the columns after a body cost nothing to reach.
SELECT 1;
