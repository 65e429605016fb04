-- Issue 19: the highest OCPP 2.0.1 TransactionEvent seqNo applied to a transaction, so that an
-- event re-sent after a lost answer (on any connection, in any process) is not applied twice.
ALTER TABLE "ocpp_transaction" ADD COLUMN "seq_no" INTEGER;
