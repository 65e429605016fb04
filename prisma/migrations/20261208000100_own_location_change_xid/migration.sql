-- The change feed of the locations read model (docs/delivery.md, "Wake-ups after commit").
-- Every write of an own location stamps the row with the id of the transaction that wrote it
-- (pg_current_xact_id, 64-bit, never wraps). API processes poll the rows whose stamp is at or
-- above the oldest transaction still running when they last looked (pg_snapshot_xmin), so a
-- change whose NOTIFY was lost still reaches every read model, whatever order transactions
-- committed in. Existing rows stay NULL: a model loads them whole at start.
ALTER TABLE "own_location" ADD COLUMN "change_xid" BIGINT;
-- Set after the column exists, so existing rows are not rewritten; writes also set it explicitly.
ALTER TABLE "own_location" ALTER COLUMN "change_xid" SET DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX "own_location_change_xid_idx" ON "own_location"("change_xid");
