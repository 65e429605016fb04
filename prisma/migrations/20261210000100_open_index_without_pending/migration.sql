-- The "unfinished rows of an hour" index no longer lists PENDING rows: every fanned-out row was
-- written into it once and left it at delivery, one index insert per row on the hottest write
-- (about 1 of the 12 WAL records of a delivery, measured on a 200-peer drain). Pending rows are
-- found by the pending indexes instead; queries for open rows spell the two sets as
-- `status = 'PENDING' OR status IN ('DEAD', 'RESYNC')` so that the planner combines both indexes
-- (an IN list of all three would be a scan of the whole history).
DROP INDEX "outbox_message_open_idx";
CREATE INDEX "outbox_message_open_idx" ON "outbox_message"("bucket") WHERE "status" IN ('DEAD', 'RESYNC');
