-- Issue 19 phase 2: reservations carried to OCPP charge points, and connection state that
-- survives a process crash (which process holds the socket, when the EVSEs turn UNKNOWN).
ALTER TABLE "ocpp_charge_point" ADD COLUMN "holder" VARCHAR(64);
ALTER TABLE "ocpp_charge_point" ADD COLUMN "offline_due_at" TIMESTAMPTZ(3);

CREATE INDEX "ocpp_charge_point_holder_idx" ON "ocpp_charge_point"("holder");
CREATE INDEX "ocpp_charge_point_offline_due_at_idx" ON "ocpp_charge_point"("offline_due_at");

CREATE TABLE "ocpp_reservation" (
    "reservation_id" BIGINT NOT NULL,
    "party_key" VARCHAR(5) NOT NULL,
    "charge_point_key" VARCHAR(48) NOT NULL,
    "ocpp_connector" INTEGER NOT NULL,
    "location_id" VARCHAR(36) NOT NULL,
    "evse_uid" VARCHAR(36),
    "connector_id" VARCHAR(36),
    "id_tag" VARCHAR(36) NOT NULL,
    "cdr_token" JSONB NOT NULL,
    "authorization_reference" VARCHAR(36),
    "command_id" UUID NOT NULL,
    "expiry_date" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ocpp_reservation_pkey" PRIMARY KEY ("reservation_id")
);

CREATE INDEX "ocpp_reservation_party_key_charge_point_key_idx" ON "ocpp_reservation"("party_key", "charge_point_key");
CREATE INDEX "ocpp_reservation_expiry_date_idx" ON "ocpp_reservation"("expiry_date");
