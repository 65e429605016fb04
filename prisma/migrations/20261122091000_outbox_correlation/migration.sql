-- The X-Correlation-ID a message must carry when it continues an exchange (a hub broadcast
-- keeps the broadcaster's, transport section 4); NULL: the message starts its own exchange.
ALTER TABLE "outbox_message" ADD COLUMN "correlation_id" VARCHAR(255);
