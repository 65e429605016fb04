-- Admin API keys besides ADMIN_API_KEY, stored as an HMAC only, and the audit log of admin calls
-- that change something.
CREATE TABLE "admin_api_key" (
    "id" UUID NOT NULL,
    "name" VARCHAR(64) NOT NULL,
    "scope" VARCHAR(16) NOT NULL,
    "key_hash" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "admin_api_key_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "admin_api_key_key_hash_key" ON "admin_api_key"("key_hash");
-- A name is unique among live keys, whatever its case; a revoked key's name may be used again.
CREATE UNIQUE INDEX "admin_api_key_live_name_key" ON "admin_api_key"(lower("name")) WHERE "revoked_at" IS NULL;

CREATE TABLE "admin_audit_entry" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "key_id" UUID,
    "key_name" VARCHAR(64) NOT NULL,
    "key_scope" VARCHAR(16) NOT NULL,
    "method" VARCHAR(10) NOT NULL,
    "route" VARCHAR(200),
    "path" VARCHAR(500) NOT NULL,
    "target" JSONB NOT NULL DEFAULT '{}',
    "target_values" VARCHAR(100)[] DEFAULT ARRAY[]::VARCHAR(100)[],
    "party_key" VARCHAR(5),
    "status" SMALLINT NOT NULL,
    "error_code" VARCHAR(64),
    "request_id" VARCHAR(255),

    CONSTRAINT "admin_audit_entry_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "admin_audit_entry_at_idx" ON "admin_audit_entry"("at");
CREATE INDEX "admin_audit_entry_key_name_at_idx" ON "admin_audit_entry"("key_name", "at");
CREATE INDEX "admin_audit_entry_party_key_at_idx" ON "admin_audit_entry"("party_key", "at");
CREATE INDEX "admin_audit_entry_target_values_idx" ON "admin_audit_entry" USING GIN ("target_values");
