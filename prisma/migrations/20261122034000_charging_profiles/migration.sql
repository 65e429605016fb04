-- CreateTable
CREATE TABLE "cpo_charging_profile_request" (
    "id" UUID NOT NULL,
    "party_key" VARCHAR(5) NOT NULL,
    "session_key" VARCHAR(36) NOT NULL,
    "session_id" VARCHAR(36) NOT NULL,
    "peer_id" UUID NOT NULL,
    "requester_country" VARCHAR(2) NOT NULL,
    "requester_party" VARCHAR(3) NOT NULL,
    "kind" VARCHAR(8) NOT NULL,
    "request" JSONB NOT NULL,
    "response_url" VARCHAR(512) NOT NULL,
    "status" VARCHAR(12) NOT NULL,
    "result" VARCHAR(12),
    "deadline_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "answered_at" TIMESTAMPTZ(3),

    CONSTRAINT "cpo_charging_profile_request_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "cpo_charging_profile_request_status_deadline_at_idx" ON "cpo_charging_profile_request"("status", "deadline_at");

-- CreateIndex
CREATE INDEX "cpo_charging_profile_request_party_key_session_key_created_at_idx" ON "cpo_charging_profile_request"("party_key", "session_key", "created_at");
