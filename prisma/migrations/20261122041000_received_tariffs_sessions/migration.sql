-- CreateTable
CREATE TABLE "received_tariff" (
    "party_key" VARCHAR(5) NOT NULL,
    "tariff_key" VARCHAR(36) NOT NULL,
    "peer_id" UUID NOT NULL,
    "last_updated" TIMESTAMPTZ(3) NOT NULL,
    "document" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "received_tariff_pkey" PRIMARY KEY ("party_key","tariff_key")
);

-- CreateTable
CREATE TABLE "received_session" (
    "party_key" VARCHAR(5) NOT NULL,
    "session_key" VARCHAR(36) NOT NULL,
    "peer_id" UUID NOT NULL,
    "last_updated" TIMESTAMPTZ(3) NOT NULL,
    "document" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "received_session_pkey" PRIMARY KEY ("party_key","session_key")
);

-- CreateIndex
CREATE INDEX "received_tariff_peer_id_idx" ON "received_tariff"("peer_id");

-- CreateIndex
CREATE INDEX "received_session_peer_id_idx" ON "received_session"("peer_id");
