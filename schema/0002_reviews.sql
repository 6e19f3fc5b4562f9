-- 0002: review sign-offs, flags and flag resolutions. One hash-chained log of signed records,
-- like the audit log; each row names its SOP so a SOP's reviews can be read without a scan.
CREATE TABLE sop_events (
    position  INTEGER PRIMARY KEY,
    record_id BLOB NOT NULL UNIQUE,
    sop_id    BLOB NOT NULL,
    body      BLOB NOT NULL,
    signature BLOB NOT NULL
) STRICT;

CREATE INDEX sop_events_by_sop ON sop_events (sop_id);
