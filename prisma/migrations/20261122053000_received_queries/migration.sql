-- CreateTable
CREATE TABLE "received_recipient" (
    "recipient_key" VARCHAR(5) NOT NULL,
    "module" VARCHAR(16) NOT NULL,
    "party_key" VARCHAR(5) NOT NULL,
    "object_key" VARCHAR(39) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "received_recipient_pkey" PRIMARY KEY ("recipient_key","module","party_key","object_key")
);

-- CreateIndex
CREATE INDEX "received_recipient_module_party_key_object_key_idx" ON "received_recipient"("module", "party_key", "object_key");

-- CreateIndex
CREATE INDEX "received_location_last_updated_idx" ON "received_location"("last_updated");

-- CreateIndex
CREATE INDEX "received_location_document_idx" ON "received_location" USING GIN ("document" jsonb_path_ops);

-- CreateIndex
CREATE INDEX "received_tariff_last_updated_idx" ON "received_tariff"("last_updated");

-- CreateIndex
CREATE INDEX "received_session_last_updated_idx" ON "received_session"("last_updated");

-- CreateIndex
CREATE INDEX "received_cdr_last_updated_idx" ON "received_cdr"("last_updated");

-- Locations and tariffs received before recipients were recorded: when the platform hosts exactly
-- one eMSP party, it was the only possible recipient.
INSERT INTO "received_recipient" ("recipient_key", "module", "party_key", "object_key")
SELECT p."party_key", 'locations', l."party_key", l."location_key"
FROM "received_location" l CROSS JOIN "party" p
WHERE 'EMSP' = ANY (p."roles") AND (SELECT count(*) FROM "party" WHERE 'EMSP' = ANY ("roles")) = 1;

INSERT INTO "received_recipient" ("recipient_key", "module", "party_key", "object_key")
SELECT p."party_key", 'tariffs', t."party_key", t."tariff_key"
FROM "received_tariff" t CROSS JOIN "party" p
WHERE 'EMSP' = ANY (p."roles") AND (SELECT count(*) FROM "party" WHERE 'EMSP' = ANY ("roles")) = 1;
