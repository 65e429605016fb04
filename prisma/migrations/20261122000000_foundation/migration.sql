-- CreateTable
CREATE TABLE "party" (
    "id" UUID NOT NULL,
    "country_code" VARCHAR(2) NOT NULL,
    "party_id" VARCHAR(3) NOT NULL,
    "party_key" VARCHAR(5) NOT NULL,
    "roles" TEXT[],
    "business_details" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "party_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "peer" (
    "id" UUID NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "initiated_by" VARCHAR(4),
    "label" VARCHAR(100),
    "versions_url" VARCHAR(255),
    "version" VARCHAR(10),
    "endpoints" JSONB NOT NULL DEFAULT '[]',
    "peer_token_enc" TEXT,
    "auth_encoding" VARCHAR(8) NOT NULL DEFAULT 'base64',
    "last_contact_at" TIMESTAMPTZ(3),
    "registered_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "peer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "peer_credential" (
    "id" UUID NOT NULL,
    "peer_id" UUID NOT NULL,
    "kind" VARCHAR(1) NOT NULL,
    "token_hash" VARCHAR(64) NOT NULL,
    "token_enc" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "peer_credential_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "peer_role" (
    "id" UUID NOT NULL,
    "peer_id" UUID NOT NULL,
    "role" VARCHAR(8) NOT NULL,
    "country_code" VARCHAR(2) NOT NULL,
    "party_id" VARCHAR(3) NOT NULL,
    "party_key" VARCHAR(5) NOT NULL,
    "business_details" JSONB NOT NULL,

    CONSTRAINT "peer_role_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "party_party_key_key" ON "party"("party_key");

-- CreateIndex
CREATE INDEX "peer_status_idx" ON "peer"("status");

-- CreateIndex
CREATE UNIQUE INDEX "peer_credential_token_hash_key" ON "peer_credential"("token_hash");

-- CreateIndex
CREATE INDEX "peer_credential_peer_id_idx" ON "peer_credential"("peer_id");

-- CreateIndex
CREATE INDEX "peer_role_party_key_idx" ON "peer_role"("party_key");

-- CreateIndex
CREATE UNIQUE INDEX "peer_role_peer_id_role_party_key_key" ON "peer_role"("peer_id", "role", "party_key");

-- AddForeignKey
ALTER TABLE "peer_credential" ADD CONSTRAINT "peer_credential_peer_id_fkey" FOREIGN KEY ("peer_id") REFERENCES "peer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "peer_role" ADD CONSTRAINT "peer_role_peer_id_fkey" FOREIGN KEY ("peer_id") REFERENCES "peer"("id") ON DELETE CASCADE ON UPDATE CASCADE;
