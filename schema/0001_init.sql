-- 0001: the first vault schema. Every fact is a signed record; the tables below only hold
-- records (and the password wraps of users' secret keys). Positions order each log locally;
-- identities are the random record ids inside the signed bodies.

-- The administration log: genesis, users, owners, roles, collections, grants. A hash chain.
CREATE TABLE admin_log (
    position  INTEGER PRIMARY KEY,
    record_id BLOB NOT NULL UNIQUE,
    body      BLOB NOT NULL,
    signature BLOB NOT NULL
) STRICT;

-- The audit log: logins, views, edits, exports, grant changes. A hash chain of its own.
CREATE TABLE audit_log (
    position  INTEGER PRIMARY KEY,
    record_id BLOB NOT NULL UNIQUE,
    body      BLOB NOT NULL,
    signature BLOB NOT NULL
) STRICT;

-- SOP versions: each SOP's versions chain by parent hash; (sop_id, version) is unique so a
-- save from a stale parent loses instead of silently winning.
CREATE TABLE sop_versions (
    sop_id    BLOB NOT NULL,
    version   INTEGER NOT NULL,
    record_id BLOB NOT NULL UNIQUE,
    body      BLOB NOT NULL,
    signature BLOB NOT NULL,
    PRIMARY KEY (sop_id, version)
) STRICT;

-- Each user's secret keys, wrapped under their password (Argon2id + XChaCha20-Poly1305). The
-- wrap is replaced on a password change; its integrity comes from the AEAD and from the public
-- keys in the signed user record, not from this row.
CREATE TABLE user_keys (
    user_id BLOB PRIMARY KEY,
    wrap    BLOB NOT NULL
) STRICT;

-- Failed unlocks of a known user, kept until that user next unlocks and signs them into the
-- audit log (a failed attempt has no key to sign with).
CREATE TABLE failed_unlocks (
    user_id BLOB NOT NULL,
    time    INTEGER NOT NULL
) STRICT;
