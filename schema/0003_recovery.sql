-- 0003: each owner's secret keys sealed to the vault's recovery identity (whose secret is
-- wrapped under the recovery code shown once at creation), signed by that owner.
CREATE TABLE recovery_seals (
    user_id   BLOB PRIMARY KEY,
    sealed    BLOB NOT NULL,
    signature BLOB NOT NULL
) STRICT;
