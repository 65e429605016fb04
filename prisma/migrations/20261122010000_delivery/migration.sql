-- AlterTable
ALTER TABLE "peer" ADD COLUMN "retry_window_minutes" INTEGER;

-- CreateTable
CREATE TABLE "outbox_message" (
    "id" BIGSERIAL NOT NULL,
    "peer_id" UUID NOT NULL,
    "object_key" VARCHAR(255) NOT NULL,
    "kind" VARCHAR(10) NOT NULL,
    "module" VARCHAR(32) NOT NULL,
    "full_version" BOOLEAN NOT NULL,
    "method" VARCHAR(8) NOT NULL,
    "interface_role" VARCHAR(8),
    "path" VARCHAR(512),
    "url" VARCHAR(512),
    "body" JSONB,
    "last_updated" TIMESTAMPTZ(3),
    "from_country" VARCHAR(2),
    "from_party" VARCHAR(3),
    "to_country" VARCHAR(2),
    "to_party" VARCHAR(3),
    "status" VARCHAR(12) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "first_failed_at" TIMESTAMPTZ(3),
    "deadline_at" TIMESTAMPTZ(3),
    "last_error" VARCHAR(1000),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "delivery_cursor" (
    "peer_id" UUID NOT NULL,
    "object_key" VARCHAR(255) NOT NULL,
    "last_updated" TIMESTAMPTZ(3) NOT NULL,
    "message_id" BIGINT NOT NULL,

    CONSTRAINT "delivery_cursor_pkey" PRIMARY KEY ("peer_id","object_key")
);

-- CreateTable
CREATE TABLE "delivery_lease" (
    "peer_id" UUID NOT NULL,
    "owner" VARCHAR(64) NOT NULL,
    "until" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "delivery_lease_pkey" PRIMARY KEY ("peer_id")
);

-- CreateTable
CREATE TABLE "pull_state" (
    "peer_id" UUID NOT NULL,
    "module" VARCHAR(32) NOT NULL,
    "last_success_at" TIMESTAMPTZ(3),
    "last_started_at" TIMESTAMPTZ(3),
    "next_pull_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_count" INTEGER,
    "last_error" VARCHAR(1000),

    CONSTRAINT "pull_state_pkey" PRIMARY KEY ("peer_id","module")
);

-- CreateIndex
CREATE INDEX "outbox_message_status_peer_id_id_idx" ON "outbox_message"("status", "peer_id", "id");

-- CreateIndex
CREATE INDEX "outbox_message_peer_id_object_key_id_idx" ON "outbox_message"("peer_id", "object_key", "id");

-- CreateIndex
CREATE INDEX "pull_state_next_pull_at_idx" ON "pull_state"("next_pull_at");

-- AddForeignKey
ALTER TABLE "outbox_message" ADD CONSTRAINT "outbox_message_peer_id_fkey" FOREIGN KEY ("peer_id") REFERENCES "peer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pull_state" ADD CONSTRAINT "pull_state_peer_id_fkey" FOREIGN KEY ("peer_id") REFERENCES "peer"("id") ON DELETE CASCADE ON UPDATE CASCADE;
