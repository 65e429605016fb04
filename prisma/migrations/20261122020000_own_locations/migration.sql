-- CreateTable
CREATE TABLE "own_location" (
    "location_key" VARCHAR(36) NOT NULL,
    "party_key" VARCHAR(5) NOT NULL,
    "last_updated" TIMESTAMPTZ(3) NOT NULL,
    "document" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "own_location_pkey" PRIMARY KEY ("location_key")
);

-- CreateIndex
CREATE INDEX "own_location_party_key_last_updated_location_key_idx" ON "own_location"("party_key", "last_updated", "location_key");
