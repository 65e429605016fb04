-- Issue 16 part 3: the check of a received CDR's signed_data (Eichrecht), made when the CDR is
-- stored; null for a CDR without signed_data and for CDRs stored before this migration.
ALTER TABLE "received_cdr" ADD COLUMN "signed_data_verification" JSONB;
