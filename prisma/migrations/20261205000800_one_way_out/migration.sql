-- One delivery engine: an outbox message goes either to a peer (OCPI) or to a local party's
-- own backend (a signed webhook). Webhook rows carry their extra headers; the URL and the
-- signature come from the party's backend at send time (both may change while a row waits).
ALTER TABLE "outbox_message" ALTER COLUMN "peer_id" DROP NOT NULL;
ALTER TABLE "outbox_message" ADD COLUMN "party_id" UUID REFERENCES "party"("id") ON DELETE CASCADE;
ALTER TABLE "outbox_message" ADD COLUMN "headers" JSONB;
ALTER TABLE "outbox_message" ADD CONSTRAINT "outbox_message_one_destination" CHECK (num_nonnulls("peer_id", "party_id") = 1);
CREATE INDEX "outbox_message_status_party_id_id_idx" ON "outbox_message"("status", "party_id", "id") WHERE "party_id" IS NOT NULL;

-- backend_event stays the event log behind the admin view; its delivery state moves to the
-- outbox row it points at. Existing events move over in recording order, state included.
ALTER TABLE "backend_event" ADD COLUMN "message_id" BIGINT;

WITH moved AS (
  INSERT INTO "outbox_message" ("party_id", "object_key", "kind", "module", "full_version", "method", "body", "headers",
                                "status", "attempts", "next_attempt_at", "last_error", "created_at")
  SELECT p."id", 'events:' || e."party_key", 'WEBHOOK', 'events', false, 'POST',
         jsonb_build_object('id', e."id", 'type', e."type", 'party', e."payload"->'party',
                            'occurred_at', to_char(e."created_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                            'data', e."payload"->'data'),
         jsonb_build_object('X-Event-Id', e."id"::text),
         e."status", e."attempts", e."next_attempt_at", e."last_error", e."created_at"
    FROM "backend_event" e JOIN "party" p ON p."party_key" = e."party_key"
   ORDER BY e."seq"
  RETURNING "id", "headers"->>'X-Event-Id' AS event_id
)
UPDATE "backend_event" SET "message_id" = moved."id" FROM moved WHERE "backend_event"."id"::text = moved.event_id;

DROP INDEX IF EXISTS "backend_event_status_next_attempt_at_idx";
ALTER TABLE "backend_event" DROP COLUMN "status", DROP COLUMN "attempts", DROP COLUMN "next_attempt_at", DROP COLUMN "last_error";
CREATE UNIQUE INDEX "backend_event_message_id_key" ON "backend_event"("message_id");
