-- 0004: team sync. The file stays the whole replica; these tables say where it stands with its
-- server: the remote, the server log this replica verified, what waits to be pushed, and edits
-- of mine that lost a race (kept encrypted, as they were written).

-- The server this replica syncs with (one row, or none while the vault is local only).
CREATE TABLE sync_remote (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    url       TEXT NOT NULL,
    last_sync INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Every server record this replica verified, in server order, with the running hash of the
-- server log up to it (R_p): what the seen values of later records are checked against.
CREATE TABLE server_log (
    position   INTEGER PRIMARY KEY,
    chain      TEXT NOT NULL,
    height     INTEGER NOT NULL,
    entry_hash BLOB NOT NULL,
    running    BLOB NOT NULL,
    UNIQUE (chain, height)
) STRICT;

-- Records written here and not yet confirmed by the server, in write order (seq). kind 1: a
-- record (body, signature); 2: a password wrap (body); 3: a recovery seal (body, signature).
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    chain      TEXT NOT NULL,
    height     INTEGER NOT NULL,
    prev_hash  BLOB NOT NULL,
    entry_hash BLOB NOT NULL,
    kind       INTEGER NOT NULL,
    body       BLOB NOT NULL,
    signature  BLOB NOT NULL,
    UNIQUE (chain, height)
) STRICT;

-- SOP versions of mine that met another version at the same height on the server: taken out
-- of the chain, kept until a person resolves them. theirs: the SOP's head when it was found.
CREATE TABLE sync_conflicts (
    sop_id    BLOB NOT NULL,
    version   INTEGER NOT NULL,
    record_id BLOB NOT NULL UNIQUE,
    body      BLOB NOT NULL,
    signature BLOB NOT NULL,
    theirs    INTEGER NOT NULL,
    PRIMARY KEY (sop_id, version)
) STRICT;
