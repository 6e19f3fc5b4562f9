-- 0005: attachments. Each row is one file of one SOP, encrypted under its own data key (which
-- only the SOP version's encrypted content holds); the id is the hash of the ciphertext, so the
-- file stores equal ciphertexts once and a changed byte is a missing blob. first_version is the
-- version that first listed the blob: team sync sends the blob with that version's row.
CREATE TABLE attachment_blobs (
    blob_id       BLOB PRIMARY KEY,
    sop_id        BLOB NOT NULL,
    first_version INTEGER NOT NULL,
    data          BLOB NOT NULL
) STRICT;

CREATE INDEX attachment_blobs_sop ON attachment_blobs (sop_id);
