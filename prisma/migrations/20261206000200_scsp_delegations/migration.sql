-- Issue 16 parts 1 and 2: SCSP as a role, delegations of smart charging, the sessions an SCSP
-- received, the requests an eMSP relays for its SCSP, and the refused requests of a second controller.
CREATE TABLE "delegation" (
    "id" UUID NOT NULL,
    "from_key" VARCHAR(5) NOT NULL,
    "from_country" VARCHAR(2) NOT NULL,
    "from_party" VARCHAR(3) NOT NULL,
    "from_role" VARCHAR(4) NOT NULL,
    "to_key" VARCHAR(5) NOT NULL,
    "to_country" VARCHAR(2) NOT NULL,
    "to_party" VARCHAR(3) NOT NULL,
    "locations" VARCHAR(36)[],
    "location_keys" VARCHAR(36)[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "delegation_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "delegation_from_key_idx" ON "delegation"("from_key");
CREATE INDEX "delegation_to_key_idx" ON "delegation"("to_key");

CREATE TABLE "scsp_session" (
    "recipient_key" VARCHAR(5) NOT NULL,
    "party_key" VARCHAR(5) NOT NULL,
    "session_key" VARCHAR(36) NOT NULL,
    "sender_country" VARCHAR(2) NOT NULL,
    "sender_party" VARCHAR(3) NOT NULL,
    "peer_id" UUID NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "scsp_session_pkey" PRIMARY KEY ("recipient_key","party_key","session_key")
);

CREATE INDEX "scsp_session_recipient_key_session_key_idx" ON "scsp_session"("recipient_key", "session_key");

CREATE TABLE "charging_profile_relay" (
    "request_id" UUID NOT NULL,
    "scsp_peer_id" UUID NOT NULL,
    "scsp_country" VARCHAR(2) NOT NULL,
    "scsp_party" VARCHAR(3) NOT NULL,
    "response_url" VARCHAR(512) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "charging_profile_relay_pkey" PRIMARY KEY ("request_id")
);

CREATE TABLE "charging_profile_conflict" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "party_key" VARCHAR(5) NOT NULL,
    "requester_key" VARCHAR(5) NOT NULL,
    "controller_key" VARCHAR(5) NOT NULL,
    "session_id" VARCHAR(36) NOT NULL,
    "kind" VARCHAR(8) NOT NULL,
    "delegation_id" UUID,

    CONSTRAINT "charging_profile_conflict_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "charging_profile_conflict_at_idx" ON "charging_profile_conflict"("at");
CREATE INDEX "charging_profile_conflict_party_key_at_idx" ON "charging_profile_conflict"("party_key", "at");
