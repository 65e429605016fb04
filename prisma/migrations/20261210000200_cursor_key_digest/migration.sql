-- A delivery cursor is found by a digest of its object key (the first 16 bytes of its SHA-256)
-- instead of the key itself. The table holds a row per peer and object ever delivered (200
-- peers and 100,000 EVSEs are 20 million rows), and each key (`locations:DE/EMP:NL/CPO/LOC1/
-- LOC1-E1`, 40-60 bytes) was stored twice, in the row and in the primary key: 245 bytes a row,
-- measured with 200 peers and 8,000 EVSEs, so the table outgrew PostgreSQL's buffers and the
-- cursor read of a delivery batch was mostly page reads. PostgreSQL computes the digest wherever
-- a key is looked up or written (delivery-store.ts keyDigest). Two keys of one peer would share a
-- digest with a chance of 2^-128 per pair, and SHA-256 leaves no way to make them.
--
-- Copied into a new table rather than updated in place, which would leave every old row behind
-- as a dead tuple until vacuum. Pages are filled to 70% only: every delivery moves its object's
-- cursor, and with room on the page that update is HOT (no new index entry, no index to vacuum).
CREATE TABLE "delivery_cursor_digest" (
    "peer_id" UUID NOT NULL,
    "key_digest" BYTEA NOT NULL,
    "last_updated" TIMESTAMPTZ(3) NOT NULL,
    "message_id" BIGINT NOT NULL
) WITH (fillfactor = 70);
INSERT INTO "delivery_cursor_digest" ("peer_id", "key_digest", "last_updated", "message_id")
SELECT "peer_id", substring(sha256(convert_to("object_key", 'UTF8')) FROM 1 FOR 16), "last_updated", "message_id" FROM "delivery_cursor";
DROP TABLE "delivery_cursor";
ALTER TABLE "delivery_cursor_digest" RENAME TO "delivery_cursor";
ALTER TABLE "delivery_cursor" ADD CONSTRAINT "delivery_cursor_pkey" PRIMARY KEY ("peer_id", "key_digest");
