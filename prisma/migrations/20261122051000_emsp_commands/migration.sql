-- CreateTable
CREATE TABLE "emsp_command" (
    "id" UUID NOT NULL,
    "party_key" VARCHAR(5) NOT NULL,
    "cpo_country" VARCHAR(2) NOT NULL,
    "cpo_party" VARCHAR(3) NOT NULL,
    "peer_id" UUID NOT NULL,
    "command" VARCHAR(24) NOT NULL,
    "request" JSONB NOT NULL,
    "status" VARCHAR(12) NOT NULL,
    "response_result" VARCHAR(16),
    "response_timeout" INTEGER,
    "response_message" JSONB,
    "result" VARCHAR(24),
    "result_message" JSONB,
    "failure" VARCHAR(1000),
    "deadline_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "responded_at" TIMESTAMPTZ(3),
    "result_at" TIMESTAMPTZ(3),

    CONSTRAINT "emsp_command_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "emsp_charging_profile_request" (
    "id" UUID NOT NULL,
    "party_key" VARCHAR(5) NOT NULL,
    "cpo_country" VARCHAR(2) NOT NULL,
    "cpo_party" VARCHAR(3) NOT NULL,
    "peer_id" UUID NOT NULL,
    "session_id" VARCHAR(36) NOT NULL,
    "session_key" VARCHAR(36) NOT NULL,
    "kind" VARCHAR(8) NOT NULL,
    "request" JSONB NOT NULL,
    "status" VARCHAR(12) NOT NULL,
    "response_result" VARCHAR(16),
    "response_timeout" INTEGER,
    "result" VARCHAR(12),
    "result_body" JSONB,
    "failure" VARCHAR(1000),
    "deadline_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "responded_at" TIMESTAMPTZ(3),
    "result_at" TIMESTAMPTZ(3),

    CONSTRAINT "emsp_charging_profile_request_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "emsp_active_charging_profile" (
    "cpo_key" VARCHAR(5) NOT NULL,
    "session_key" VARCHAR(36) NOT NULL,
    "session_id" VARCHAR(36) NOT NULL,
    "peer_id" UUID NOT NULL,
    "source" VARCHAR(8) NOT NULL,
    "profile" JSONB NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "emsp_active_charging_profile_pkey" PRIMARY KEY ("cpo_key","session_key")
);

-- CreateIndex
CREATE INDEX "emsp_command_status_deadline_at_idx" ON "emsp_command"("status", "deadline_at");

-- CreateIndex
CREATE INDEX "emsp_command_party_key_command_created_at_idx" ON "emsp_command"("party_key", "command", "created_at");

-- CreateIndex
CREATE INDEX "emsp_charging_profile_request_status_deadline_at_idx" ON "emsp_charging_profile_request"("status", "deadline_at");

-- CreateIndex
CREATE INDEX "emsp_charging_profile_request_party_key_session_key_idx" ON "emsp_charging_profile_request"("party_key", "session_key");
