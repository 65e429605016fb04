-- Issue 16: smart charging delegated to an SCSP hosted on this platform. The platform reaches its
-- own parties through one loopback connection to itself; at most one exists.
ALTER TABLE "peer" ADD COLUMN "loopback" BOOLEAN NOT NULL DEFAULT false;

CREATE UNIQUE INDEX "peer_loopback_key" ON "peer"("loopback") WHERE "loopback";
