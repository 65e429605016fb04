-- CreateTable
CREATE TABLE "own_token" (
    "party_key" VARCHAR(5) NOT NULL,
    "uid_key" VARCHAR(36) NOT NULL,
    "type" VARCHAR(16) NOT NULL,
    "valid" BOOLEAN NOT NULL,
    "last_updated" TIMESTAMPTZ(3) NOT NULL,
    "document" JSONB NOT NULL,
    "expires_at" TIMESTAMPTZ(3),
    "allowed_locations" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "own_token_pkey" PRIMARY KEY ("party_key","uid_key","type")
);

-- CreateIndex
CREATE INDEX "own_token_party_key_last_updated_uid_key_type_idx" ON "own_token"("party_key", "last_updated", "uid_key", "type");

-- CreateIndex
CREATE INDEX "own_token_party_key_valid_last_updated_idx" ON "own_token"("party_key", "valid", "last_updated");
