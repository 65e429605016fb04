-- CreateTable
CREATE TABLE "own_session" (
    "doc_key" VARCHAR(45) NOT NULL,
    "party_key" VARCHAR(5) NOT NULL,
    "token_party_key" VARCHAR(5) NOT NULL,
    "last_updated" TIMESTAMPTZ(3) NOT NULL,
    "document" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "own_session_pkey" PRIMARY KEY ("doc_key")
);

-- CreateTable
CREATE TABLE "own_cdr" (
    "doc_key" VARCHAR(45) NOT NULL,
    "party_key" VARCHAR(5) NOT NULL,
    "token_party_key" VARCHAR(5) NOT NULL,
    "last_updated" TIMESTAMPTZ(3) NOT NULL,
    "document" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "own_cdr_pkey" PRIMARY KEY ("doc_key")
);

-- CreateIndex
CREATE INDEX "own_session_party_key_token_party_key_last_updated_doc_key_idx" ON "own_session"("party_key", "token_party_key", "last_updated", "doc_key");

-- CreateIndex
CREATE INDEX "own_cdr_party_key_token_party_key_last_updated_doc_key_idx" ON "own_cdr"("party_key", "token_party_key", "last_updated", "doc_key");
