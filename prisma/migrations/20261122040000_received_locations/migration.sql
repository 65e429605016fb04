-- CreateTable
CREATE TABLE "received_location" (
    "party_key" VARCHAR(5) NOT NULL,
    "location_key" VARCHAR(36) NOT NULL,
    "peer_id" UUID NOT NULL,
    "last_updated" TIMESTAMPTZ(3) NOT NULL,
    "document" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "received_location_pkey" PRIMARY KEY ("party_key","location_key")
);

-- CreateIndex
CREATE INDEX "received_location_peer_id_idx" ON "received_location"("peer_id");
