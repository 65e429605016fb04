-- Hub role: tunables, hub-owned URL aliases, blocked party pairs, ClientInfo we publish and
-- ClientInfo other hubs publish to us.

-- CreateTable
CREATE TABLE "hub_setting" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "forward_timeout_ms" INTEGER NOT NULL DEFAULT 10000,
    "liveness_minutes" INTEGER NOT NULL DEFAULT 5,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "hub_setting_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "hub_alias" (
    "id" VARCHAR(40) NOT NULL,
    "kind" VARCHAR(10) NOT NULL,
    "module" VARCHAR(30) NOT NULL,
    "url" TEXT NOT NULL,
    "caller_peer_id" UUID NOT NULL,
    "target_peer_id" UUID NOT NULL,
    "from_country" VARCHAR(2),
    "from_party" VARCHAR(3),
    "to_country" VARCHAR(2),
    "to_party" VARCHAR(3),
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "hub_alias_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "hub_alias_expires_at_idx" ON "hub_alias"("expires_at");

-- CreateTable
CREATE TABLE "hub_blocked_pair" (
    "from_key" VARCHAR(5) NOT NULL,
    "to_key" VARCHAR(5) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "hub_blocked_pair_pkey" PRIMARY KEY ("from_key","to_key")
);

-- CreateTable
CREATE TABLE "hub_client_info" (
    "party_key" VARCHAR(5) NOT NULL,
    "role" VARCHAR(5) NOT NULL,
    "country_code" VARCHAR(2) NOT NULL,
    "party_id" VARCHAR(3) NOT NULL,
    "peer_id" UUID,
    "status" VARCHAR(10) NOT NULL,
    "last_updated" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "hub_client_info_pkey" PRIMARY KEY ("party_key","role")
);

-- CreateIndex
CREATE INDEX "hub_client_info_peer_id_idx" ON "hub_client_info"("peer_id");

-- CreateIndex
CREATE INDEX "hub_client_info_last_updated_idx" ON "hub_client_info"("last_updated");

-- CreateTable
CREATE TABLE "remote_client_info" (
    "peer_id" UUID NOT NULL,
    "party_key" VARCHAR(5) NOT NULL,
    "role" VARCHAR(5) NOT NULL,
    "country_code" VARCHAR(2) NOT NULL,
    "party_id" VARCHAR(3) NOT NULL,
    "status" VARCHAR(10) NOT NULL,
    "last_updated" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "remote_client_info_pkey" PRIMARY KEY ("peer_id","party_key","role")
);

-- CreateIndex
CREATE INDEX "remote_client_info_party_key_idx" ON "remote_client_info"("party_key");

-- CreateTable
CREATE TABLE "hub_object_owner" (
    "module" VARCHAR(20) NOT NULL,
    "object_key" VARCHAR(40) NOT NULL,
    "party_key" VARCHAR(5) NOT NULL,
    "country_code" VARCHAR(2) NOT NULL,
    "party_id" VARCHAR(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "hub_object_owner_pkey" PRIMARY KEY ("module","object_key","party_key")
);
