-- Issue 13 item 5: a credentials handshake step we started (a rotation, a connect) is recorded
-- before its outbound call and removed once finished; a row whose lease ran out belongs to a
-- process that died mid-way, and the next start completes or rolls it back.
CREATE TABLE "credential_intent" (
    "id" UUID NOT NULL,
    "peer_id" UUID NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "token_hash" VARCHAR(64) NOT NULL,
    "lease_until" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "credential_intent_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "credential_intent_peer_id_fkey" FOREIGN KEY ("peer_id") REFERENCES "peer"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "credential_intent_lease_until_idx" ON "credential_intent"("lease_until");

-- Issue 13 item 3: a received last_updated further than 5 minutes (the default
-- MAX_FUTURE_SKEW_SECONDS) in the future would pin the object forever: stamps stored before the
-- receive profile capped them are set to the time of this migration, at every depth of the
-- document (EVSE and connector stamps included), once.
CREATE FUNCTION "cap_future_last_updated"(doc JSONB, lim TEXT, stamp TEXT) RETURNS JSONB LANGUAGE plpgsql IMMUTABLE AS $fn$
DECLARE
  k TEXT;
  v JSONB;
  result JSONB;
BEGIN
  IF jsonb_typeof(doc) = 'object' THEN
    result := '{}'::jsonb;
    FOR k, v IN SELECT * FROM jsonb_each(doc) LOOP
      -- Stored stamps are normalised ISO texts (YYYY-MM-DDTHH:MM:SS.sssZ): they compare as text.
      IF k = 'last_updated' AND jsonb_typeof(v) = 'string' AND (v #>> '{}') > lim THEN
        result := result || jsonb_build_object(k, stamp);
      ELSE
        result := result || jsonb_build_object(k, "cap_future_last_updated"(v, lim, stamp));
      END IF;
    END LOOP;
    RETURN result;
  ELSIF jsonb_typeof(doc) = 'array' THEN
    SELECT coalesce(jsonb_agg("cap_future_last_updated"(e, lim, stamp) ORDER BY n), '[]'::jsonb) INTO result
      FROM jsonb_array_elements(doc) WITH ORDINALITY AS t(e, n);
    RETURN result;
  END IF;
  RETURN doc;
END
$fn$;

CREATE TEMPORARY TABLE "cap_limits" ON COMMIT DROP AS
  SELECT to_char((now() + interval '300 seconds') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS lim,
         to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS stamp;

UPDATE "received_token" SET "last_updated" = now(), "document" = "cap_future_last_updated"("document", c.lim, c.stamp)
  FROM "cap_limits" c WHERE "last_updated" > now() + interval '300 seconds';
UPDATE "received_tariff" SET "last_updated" = now(), "document" = "cap_future_last_updated"("document", c.lim, c.stamp)
  FROM "cap_limits" c WHERE "last_updated" > now() + interval '300 seconds';
UPDATE "received_session" SET "last_updated" = now(), "document" = "cap_future_last_updated"("document", c.lim, c.stamp)
  FROM "cap_limits" c WHERE "last_updated" > now() + interval '300 seconds';
-- A location's EVSEs and connectors carry their own stamps, compared on their own PUT/PATCH.
UPDATE "received_location" SET
    "last_updated" = CASE WHEN "last_updated" > now() + interval '300 seconds' THEN now() ELSE "last_updated" END,
    "document" = "cap_future_last_updated"("document", c.lim, c.stamp)
  FROM "cap_limits" c WHERE jsonb_path_exists("document", 'strict $.**.last_updated ? (@ > $lim)', jsonb_build_object('lim', c.lim));
UPDATE "remote_client_info" SET "last_updated" = now() WHERE "last_updated" > now() + interval '300 seconds';

DROP FUNCTION "cap_future_last_updated"(JSONB, TEXT, TEXT);

-- Issue 13 item 5: connects that died before this change left a PENDING peer whose Token B never
-- expires. One that old (a connect lasts seconds) is over: its token expires now, and the
-- housekeeping job removes the peer.
UPDATE "peer_credential" SET "expires_at" = now()
  WHERE "kind" = 'B' AND "expires_at" IS NULL
    AND "peer_id" IN (SELECT "id" FROM "peer" WHERE "status" = 'PENDING' AND "initiated_by" = 'US' AND "created_at" < now() - interval '1 hour');
