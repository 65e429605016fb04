-- What each peer sends that the receive profile repaired or refused, counted per object and field.
CREATE TABLE "peer_data_quality" (
    "peer_id" UUID NOT NULL,
    "module" VARCHAR(32) NOT NULL,
    "path" VARCHAR(200) NOT NULL,
    "rule" VARCHAR(40) NOT NULL,
    "outcome" VARCHAR(10) NOT NULL,
    "count" BIGINT NOT NULL DEFAULT 0,
    "last_object_id" VARCHAR(64),
    "last_detail" VARCHAR(300),
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "peer_data_quality_pkey" PRIMARY KEY ("peer_id", "module", "path", "rule", "outcome"),
    CONSTRAINT "peer_data_quality_peer_id_fkey" FOREIGN KEY ("peer_id") REFERENCES "peer"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CDRs that could not be read even after repair, kept exactly as received until released.
CREATE TABLE "quarantined_cdr" (
    "id" UUID NOT NULL,
    "peer_id" UUID NOT NULL,
    "party_key" VARCHAR(5) NOT NULL,
    "cdr_id" VARCHAR(64),
    "owner_key" VARCHAR(5),
    "raw" TEXT NOT NULL,
    "problems" JSONB NOT NULL,
    "status" VARCHAR(12) NOT NULL DEFAULT 'QUARANTINED',
    "received_cdr_id" UUID,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "released_at" TIMESTAMPTZ(3),

    CONSTRAINT "quarantined_cdr_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "quarantined_cdr_party_key_status_received_at_idx" ON "quarantined_cdr"("party_key", "status", "received_at");
