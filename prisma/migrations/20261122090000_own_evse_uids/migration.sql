-- EVSE uids are unique across the platform (02-locations: uid is unique within the CPO
-- platform, and SENDER URLs carry no owner). One row per uid ever used; EVSEs are never deleted.
CREATE TABLE "own_evse_uid" (
    "evse_key" VARCHAR(36) NOT NULL,
    "location_key" VARCHAR(36) NOT NULL,

    CONSTRAINT "own_evse_uid_pkey" PRIMARY KEY ("evse_key")
);

INSERT INTO "own_evse_uid" ("evse_key", "location_key")
SELECT DISTINCT ON (upper(e->>'uid')) upper(e->>'uid'), l."location_key"
FROM "own_location" l, jsonb_array_elements(COALESCE(l."document"->'evses', '[]'::jsonb)) e
WHERE e->>'uid' IS NOT NULL
ORDER BY upper(e->>'uid'), l."created_at";
