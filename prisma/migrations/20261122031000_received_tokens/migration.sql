-- CreateTable
CREATE TABLE "received_token" (
    "party_key" VARCHAR(5) NOT NULL,
    "uid_key" VARCHAR(36) NOT NULL,
    "type" VARCHAR(16) NOT NULL,
    "peer_id" UUID NOT NULL,
    "last_updated" TIMESTAMPTZ(3) NOT NULL,
    "document" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "received_token_pkey" PRIMARY KEY ("party_key","uid_key","type")
);

-- CreateIndex
CREATE INDEX "received_token_peer_id_idx" ON "received_token"("peer_id");
