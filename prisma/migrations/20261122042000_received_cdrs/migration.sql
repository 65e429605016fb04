-- CreateTable
CREATE TABLE "received_cdr" (
    "id" UUID NOT NULL,
    "party_key" VARCHAR(5) NOT NULL,
    "cdr_key" VARCHAR(39) NOT NULL,
    "peer_id" UUID NOT NULL,
    "last_updated" TIMESTAMPTZ(3) NOT NULL,
    "document" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "received_cdr_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "received_cdr_party_key_cdr_key_key" ON "received_cdr"("party_key", "cdr_key");

-- CreateIndex
CREATE INDEX "received_cdr_peer_id_idx" ON "received_cdr"("peer_id");
