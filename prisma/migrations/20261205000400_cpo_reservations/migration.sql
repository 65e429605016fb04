-- Reservations per requesting eMSP party: the eMSP's reservation_id is scoped to that eMSP, the
-- backend gets the platform-wide "id" (08-commands §6.2).
CREATE TABLE "cpo_reservation" (
    "id" BIGSERIAL NOT NULL,
    "party_key" VARCHAR(5) NOT NULL,
    "requester_key" VARCHAR(5) NOT NULL,
    "reservation_key" VARCHAR(36) NOT NULL,
    "reservation_id" VARCHAR(36) NOT NULL,
    "location_id" VARCHAR(36) NOT NULL,
    "expiry_date" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cpo_reservation_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "cpo_reservation_party_key_requester_key_reservation_key_key" ON "cpo_reservation"("party_key", "requester_key", "reservation_key");
