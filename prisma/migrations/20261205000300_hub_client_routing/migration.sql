-- A hub alias may live as long as what it stands for (the Location of a CDR): no expiry.
ALTER TABLE "hub_alias" ALTER COLUMN "expires_at" DROP NOT NULL;

-- The eMSP party a session is for (its cdr_token owner), so a PATCH of that session can be
-- routed to it without a cdr_token in its body.
ALTER TABLE "hub_object_owner" ADD COLUMN "recipient_country_code" VARCHAR(2);
ALTER TABLE "hub_object_owner" ADD COLUMN "recipient_party_id" VARCHAR(3);
