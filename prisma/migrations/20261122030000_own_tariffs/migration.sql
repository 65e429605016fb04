-- CreateTable
CREATE TABLE "own_tariff" (
    "party_key" VARCHAR(5) NOT NULL,
    "tariff_key" VARCHAR(36) NOT NULL,
    "last_updated" TIMESTAMPTZ(3) NOT NULL,
    "deleted_at" TIMESTAMPTZ(3),
    "document" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "own_tariff_pkey" PRIMARY KEY ("party_key","tariff_key")
);

-- CreateIndex
CREATE INDEX "own_tariff_party_key_last_updated_tariff_key_idx" ON "own_tariff"("party_key", "last_updated", "tariff_key");
