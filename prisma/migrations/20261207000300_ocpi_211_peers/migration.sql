-- Issue 17 (OCPI 2.1.1 peers): per connection, the version an admin pinned (null: the highest both
-- sides offer) and the local party presented to a peer whose credentials carry one party (2.1.1).
ALTER TABLE "peer" ADD COLUMN "pinned_version" VARCHAR(10);
ALTER TABLE "peer" ADD COLUMN "local_party_key" VARCHAR(5);
