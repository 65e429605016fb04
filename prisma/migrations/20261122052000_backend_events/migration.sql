-- CreateTable
CREATE TABLE "backend_event" (
    "id" UUID NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "party_key" VARCHAR(5) NOT NULL,
    "type" VARCHAR(40) NOT NULL,
    "payload" JSONB NOT NULL,
    "status" VARCHAR(12) NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" VARCHAR(1000),

    CONSTRAINT "backend_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "backend_event_status_next_attempt_at_idx" ON "backend_event"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "backend_event_party_key_created_at_idx" ON "backend_event"("party_key", "created_at");

-- CreateIndex
CREATE INDEX "backend_event_party_key_seq_idx" ON "backend_event"("party_key", "seq");
