-- Issue 17: OCPI 2.1.1 parties behind a hub, both ways.
-- The role of a one-party (2.1.1) peer's party when the admin names it (e.g. HUB: a hub relaying
-- the parties behind it); null: read from the connection as before.
ALTER TABLE "peer" ADD COLUMN "declared_role" VARCHAR(5);

-- Tokens that passed this platform as a hub, by contract id: a 2.1.1 session or CDR names its
-- token by `auth_id` (the contract id) only, and the hub needs the token's eMSP to route it.
CREATE TABLE "hub_token_contract" (
    "contract_key" VARCHAR(36) NOT NULL,
    "party_key" VARCHAR(5) NOT NULL,
    "country_code" VARCHAR(2) NOT NULL,
    "party_id" VARCHAR(3) NOT NULL,
    "uid" VARCHAR(36) NOT NULL,
    "uid_key" VARCHAR(36) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "hub_token_contract_pkey" PRIMARY KEY ("contract_key","party_key")
);

-- A 2.1.1 CPO's real-time authorization names the token by uid and a 2.1.1 type (RFID or OTHER).
CREATE INDEX "hub_token_contract_uid_key_idx" ON "hub_token_contract"("uid_key");
