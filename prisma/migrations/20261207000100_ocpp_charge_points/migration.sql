-- Issue 19 phase 1: charge points that connect over OCPP-J (the `ocpp` backend adapter) and the
-- OCPP transactions they run, so that a session outlives the process that opened it.
CREATE TABLE "ocpp_charge_point" (
    "party_key" VARCHAR(5) NOT NULL,
    "id_key" VARCHAR(48) NOT NULL,
    "country_code" VARCHAR(2) NOT NULL,
    "party_id" VARCHAR(3) NOT NULL,
    "charge_point_id" VARCHAR(48) NOT NULL,
    "password_hash" VARCHAR(255) NOT NULL,
    "location_id" VARCHAR(36) NOT NULL,
    "connectors" JSONB,
    "protocol" VARCHAR(16),
    "boot" JSONB,
    "connected_since" TIMESTAMPTZ(3),
    "last_seen_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ocpp_charge_point_pkey" PRIMARY KEY ("party_key","id_key")
);

CREATE INDEX "ocpp_charge_point_party_key_location_id_idx" ON "ocpp_charge_point"("party_key", "location_id");

CREATE TABLE "ocpp_transaction" (
    "id" UUID NOT NULL,
    "tx_number" SERIAL NOT NULL,
    "party_key" VARCHAR(5) NOT NULL,
    "charge_point_key" VARCHAR(48) NOT NULL,
    "transaction_id" VARCHAR(64),
    "status" VARCHAR(8) NOT NULL,
    "ocpp_connector" INTEGER NOT NULL,
    "id_tag" VARCHAR(36) NOT NULL,
    "session_id" VARCHAR(36),
    "location_id" VARCHAR(36) NOT NULL,
    "evse_uid" VARCHAR(36) NOT NULL,
    "connector_id" VARCHAR(36) NOT NULL,
    "cdr_token" JSONB,
    "auth_method" VARCHAR(16),
    "authorization_reference" VARCHAR(36),
    "command_id" UUID,
    "meter_start_wh" DOUBLE PRECISION,
    "started_at" TIMESTAMPTZ(3),
    "ended_at" TIMESTAMPTZ(3),
    "timeline" JSONB NOT NULL DEFAULT '[]',
    "signed_values" JSONB NOT NULL DEFAULT '[]',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ocpp_transaction_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "ocpp_transaction_tx_number_key" ON "ocpp_transaction"("tx_number");
CREATE UNIQUE INDEX "ocpp_transaction_party_key_charge_point_key_transaction_id_key" ON "ocpp_transaction"("party_key", "charge_point_key", "transaction_id");
CREATE INDEX "ocpp_transaction_party_key_session_id_idx" ON "ocpp_transaction"("party_key", "session_id");
CREATE INDEX "ocpp_transaction_party_key_charge_point_key_status_idx" ON "ocpp_transaction"("party_key", "charge_point_key", "status");
