-- AlterTable
ALTER TABLE "party" ADD COLUMN "backend" JSONB;

-- CreateTable
CREATE TABLE "cpo_command" (
    "id" UUID NOT NULL,
    "party_key" VARCHAR(5) NOT NULL,
    "peer_id" UUID NOT NULL,
    "requester_country" VARCHAR(2) NOT NULL,
    "requester_party" VARCHAR(3) NOT NULL,
    "command" VARCHAR(24) NOT NULL,
    "request" JSONB NOT NULL,
    "response_url" VARCHAR(512) NOT NULL,
    "status" VARCHAR(12) NOT NULL,
    "result" VARCHAR(24),
    "message" JSONB,
    "deadline_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "answered_at" TIMESTAMPTZ(3),

    CONSTRAINT "cpo_command_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "cpo_command_status_deadline_at_idx" ON "cpo_command"("status", "deadline_at");
