-- A broadcast fan-out (one change to every receiving peer) names its object keys by their
-- parts: prefix || to_country || '/' || to_party || suffix. Writing the 200 keys of a change to
-- 200 peers as an array cost PostgreSQL about 0.3 ms per change (measured with 200 targets),
-- more than the rest of the EVSE PATCH. Such rows store object_keys as an empty array; the
-- dispatcher's expansion builds each key from the parts.
ALTER TABLE "outbox_fanout" ADD COLUMN "key_prefix" TEXT;
ALTER TABLE "outbox_fanout" ADD COLUMN "key_suffix" TEXT;
