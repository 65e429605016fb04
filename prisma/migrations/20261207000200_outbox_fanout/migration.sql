-- Fan-out without a body per peer, and delivered history dropped by the hour.
--
-- outbox_change holds a change's body once; outbox_message keeps one small row per destination
-- (state, attempts, ordering key) pointing at it. A fan-out to many peers is written as one
-- outbox_fanout row (the destinations as arrays) that the worker's dispatcher expands into
-- outbox_message rows, so the writing request does not pay per peer.
--
-- outbox_message and outbox_change are partitioned by the hour in which the change was written
-- ("bucket"). Housekeeping creates the coming hours' partitions and drops the ones older than
-- OUTBOX_HISTORY_HOURS after moving their unfinished rows (PENDING, DEAD, RESYNC) and the
-- bodies those need to the current hour: history goes by DROP TABLE, never by DELETE. The
-- DEFAULT partitions take rows of an hour nobody created a partition for (no worker ran).

ALTER TABLE "outbox_message" RENAME TO "outbox_message_old";
ALTER TABLE "outbox_message_old" RENAME CONSTRAINT "outbox_message_pkey" TO "outbox_message_old_pkey";
ALTER TABLE "outbox_message_old" DROP CONSTRAINT "outbox_message_one_destination";
ALTER TABLE "outbox_message_old" DROP CONSTRAINT "outbox_message_peer_id_fkey";
ALTER INDEX "outbox_message_status_peer_id_id_idx" RENAME TO "outbox_message_old_status_peer_id_id_idx";
ALTER INDEX "outbox_message_peer_id_object_key_id_idx" RENAME TO "outbox_message_old_peer_id_object_key_id_idx";
ALTER INDEX "outbox_message_status_party_id_id_idx" RENAME TO "outbox_message_old_status_party_id_id_idx";
ALTER SEQUENCE "outbox_message_id_seq" OWNED BY NONE;

CREATE TABLE "outbox_change" (
    "id" BIGSERIAL NOT NULL,
    "bucket" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "body" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "outbox_change_pkey" PRIMARY KEY ("id", "bucket")
) PARTITION BY RANGE ("bucket");

CREATE TABLE "outbox_message" (
    "id" BIGINT NOT NULL DEFAULT nextval('outbox_message_id_seq'),
    "bucket" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "change_id" BIGINT,
    "peer_id" UUID REFERENCES "peer"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    "party_id" UUID REFERENCES "party"("id") ON DELETE CASCADE,
    "object_key" VARCHAR(255) NOT NULL,
    "kind" VARCHAR(10) NOT NULL,
    "module" VARCHAR(32) NOT NULL,
    "full_version" BOOLEAN NOT NULL,
    "method" VARCHAR(8) NOT NULL,
    "interface_role" VARCHAR(8),
    "path" VARCHAR(512),
    "url" VARCHAR(512),
    "headers" JSONB,
    "last_updated" TIMESTAMPTZ(3),
    "from_country" VARCHAR(2),
    "from_party" VARCHAR(3),
    "to_country" VARCHAR(2),
    "to_party" VARCHAR(3),
    "status" VARCHAR(12) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "first_failed_at" TIMESTAMPTZ(3),
    "deadline_at" TIMESTAMPTZ(3),
    "correlation_id" VARCHAR(255),
    "last_error" VARCHAR(1000),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(3),
    CONSTRAINT "outbox_message_pkey" PRIMARY KEY ("id", "bucket"),
    CONSTRAINT "outbox_message_one_destination" CHECK (num_nonnulls("peer_id", "party_id") = 1)
) PARTITION BY RANGE ("bucket");
ALTER SEQUENCE "outbox_message_id_seq" OWNED BY "outbox_message"."id";

-- The delivery queue reads only PENDING rows: a partial index stays as small as the backlog.
CREATE INDEX "outbox_message_pending_peer_idx" ON "outbox_message"("peer_id", "id") WHERE "status" = 'PENDING';
CREATE INDEX "outbox_message_pending_party_idx" ON "outbox_message"("party_id", "id") WHERE "status" = 'PENDING' AND "party_id" IS NOT NULL;
-- The admin view: a peer's deliveries newest first, and its counts per status.
CREATE INDEX "outbox_message_peer_id_id_idx" ON "outbox_message"("peer_id", "id");
-- Unfinished rows of an hour about to be dropped are found without reading its history.
CREATE INDEX "outbox_message_open_idx" ON "outbox_message"("bucket") WHERE "status" IN ('PENDING', 'DEAD', 'RESYNC');

-- A fan-out to many destinations, waiting for the dispatcher to write its outbox_message rows.
CREATE TABLE "outbox_fanout" (
    "change_id" BIGINT NOT NULL,
    "kind" VARCHAR(10) NOT NULL,
    "module" VARCHAR(32) NOT NULL,
    "full_version" BOOLEAN NOT NULL,
    "method" VARCHAR(8) NOT NULL,
    "interface_role" VARCHAR(8),
    "path" VARCHAR(512),
    "url" VARCHAR(512),
    "last_updated" TIMESTAMPTZ(3),
    "from_country" VARCHAR(2),
    "from_party" VARCHAR(3),
    "deadline_at" TIMESTAMPTZ(3),
    "correlation_id" VARCHAR(255),
    "peer_ids" UUID[] NOT NULL,
    "object_keys" TEXT[] NOT NULL,
    "to_countries" TEXT[] NOT NULL,
    "to_parties" TEXT[] NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "outbox_fanout_pkey" PRIMARY KEY ("change_id")
);

CREATE TABLE "outbox_message_default" PARTITION OF "outbox_message" DEFAULT;
CREATE TABLE "outbox_change_default" PARTITION OF "outbox_change" DEFAULT;
DO $$
DECLARE
  h timestamptz;
  s text;
BEGIN
  FOR i IN 0..3 LOOP
    h := date_trunc('hour', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + make_interval(hours => i);
    s := to_char(h AT TIME ZONE 'UTC', 'YYYYMMDDHH24');
    EXECUTE format('CREATE TABLE %I PARTITION OF "outbox_message" FOR VALUES FROM (%L) TO (%L)', 'outbox_message_p' || s, h, h + interval '1 hour');
    EXECUTE format('CREATE TABLE %I PARTITION OF "outbox_change" FOR VALUES FROM (%L) TO (%L)', 'outbox_change_p' || s, h, h + interval '1 hour');
  END LOOP;
END $$;

-- Unfinished rows move over, each with its body as a change of the same id; finished history of
-- the last day too (it starts its retention again now). Older history is not kept.
INSERT INTO "outbox_change" ("id", "body", "created_at")
SELECT "id", "body", "created_at" FROM "outbox_message_old"
 WHERE "body" IS NOT NULL AND ("status" IN ('PENDING', 'DEAD', 'RESYNC') OR "created_at" > now() - interval '1 day');
INSERT INTO "outbox_message" ("id", "change_id", "peer_id", "party_id", "object_key", "kind", "module", "full_version", "method",
                              "interface_role", "path", "url", "headers", "last_updated", "from_country", "from_party", "to_country",
                              "to_party", "status", "attempts", "next_attempt_at", "first_failed_at", "deadline_at", "correlation_id",
                              "last_error", "created_at", "delivered_at")
SELECT "id", CASE WHEN "body" IS NULL THEN NULL ELSE "id" END, "peer_id", "party_id", "object_key", "kind", "module", "full_version", "method",
       "interface_role", "path", "url", "headers", "last_updated", "from_country", "from_party", "to_country",
       "to_party", "status", "attempts", "next_attempt_at", "first_failed_at", "deadline_at", "correlation_id",
       "last_error", "created_at", "delivered_at"
  FROM "outbox_message_old"
 WHERE "status" IN ('PENDING', 'DEAD', 'RESYNC') OR "created_at" > now() - interval '1 day';
SELECT setval('outbox_change_id_seq', GREATEST((SELECT max("id") FROM "outbox_message_old"), 1));

DROP TABLE "outbox_message_old";
