-- SOP Vault server schema 1: PostgreSQL as the untrusted orderer and store of signed, encrypted
-- records (docs/teams.md, docs/security.md "Teams on a server"). Never edited once released.

-- The group every member's login role belongs to: SELECT on the tables, EXECUTE on append,
-- nothing else. Roles are cluster-wide, so a second database in the cluster reuses it; the
-- advisory lock of `server init` is per database, so two databases may race to create it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'sopvault_member') THEN
        BEGIN
            CREATE ROLE sopvault_member NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL; -- the other database's init made it first
        END;
    END IF;
END
$$;

-- The schema belongs to the administrator who ran `server init`; no one else may create in it.
REVOKE ALL ON SCHEMA sopvault FROM PUBLIC;
GRANT USAGE ON SCHEMA sopvault TO sopvault_member;
ALTER DEFAULT PRIVILEGES IN SCHEMA sopvault REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- One row per vault on this server; last_position is the head of its gapless log.
CREATE TABLE sopvault.vaults (
    vault_id text PRIMARY KEY CHECK (vault_id ~ '^[0-9a-f]{16,64}$'),
    last_position bigint NOT NULL DEFAULT 0 CHECK (last_position >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Which login role may read and append to which vault (row-level security below reads it).
CREATE TABLE sopvault.members (
    vault_id text NOT NULL REFERENCES sopvault.vaults (vault_id),
    role_name text NOT NULL,
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (vault_id, role_name)
);

-- The records, exactly the bytes the local file holds, plus routing columns. The server cannot
-- read `body`; clients judge every record. seen_* is the (position, running vault hash) its
-- author had seen, so clients can detect a server that forks or rolls back.
CREATE TABLE sopvault.records (
    vault_id text NOT NULL REFERENCES sopvault.vaults (vault_id),
    position bigint NOT NULL CHECK (position > 0),
    chain text NOT NULL,
    height bigint NOT NULL CHECK (height > 0),
    prev_hash bytea,
    entry_hash bytea NOT NULL,
    body bytea NOT NULL,
    seen_position bigint NOT NULL CHECK (seen_position >= 0),
    seen_hash bytea,
    author text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (vault_id, position),
    UNIQUE (vault_id, chain, height)
);

-- The head of every chain (the administration, audit and review logs; one chain per SOP), for
-- append's compare-and-swap.
CREATE TABLE sopvault.chain_heads (
    vault_id text NOT NULL REFERENCES sopvault.vaults (vault_id),
    chain text NOT NULL,
    height bigint NOT NULL CHECK (height > 0),
    head_hash bytea NOT NULL,
    PRIMARY KEY (vault_id, chain)
);

-- Append-only, even for the owner of the tables: history is never rewritten in place. Heads and
-- positions only move forward. (A superuser can still disable triggers: the server is not
-- trusted, the clients detect what it does.)
CREATE FUNCTION sopvault.refuse_change() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'SOP Vault records are append-only: % on sopvault.% is refused', TG_OP,
        TG_TABLE_NAME USING ERRCODE = 'SV004';
END
$$;

-- append moves a chain head up; nothing else may change one.
CREATE FUNCTION sopvault.chain_head_forward() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.vault_id = OLD.vault_id AND NEW.chain = OLD.chain AND NEW.height > OLD.height THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'SOP Vault chain heads only move forward: this UPDATE is refused'
        USING ERRCODE = 'SV004';
END
$$;

-- append moves a vault's last position up; nothing else may change a vault row.
CREATE FUNCTION sopvault.vault_forward() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.vault_id = OLD.vault_id AND NEW.last_position >= OLD.last_position
       AND NEW.created_at = OLD.created_at THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'A SOP Vault log only grows: this UPDATE of sopvault.vaults is refused'
        USING ERRCODE = 'SV004';
END
$$;

CREATE TRIGGER records_append_only BEFORE UPDATE OR DELETE ON sopvault.records
    FOR EACH ROW EXECUTE FUNCTION sopvault.refuse_change();
CREATE TRIGGER records_no_truncate BEFORE TRUNCATE ON sopvault.records
    FOR EACH STATEMENT EXECUTE FUNCTION sopvault.refuse_change();
CREATE TRIGGER chain_heads_no_delete BEFORE DELETE ON sopvault.chain_heads
    FOR EACH ROW EXECUTE FUNCTION sopvault.refuse_change();
CREATE TRIGGER chain_heads_forward_only BEFORE UPDATE ON sopvault.chain_heads
    FOR EACH ROW EXECUTE FUNCTION sopvault.chain_head_forward();
CREATE TRIGGER chain_heads_no_truncate BEFORE TRUNCATE ON sopvault.chain_heads
    FOR EACH STATEMENT EXECUTE FUNCTION sopvault.refuse_change();
CREATE TRIGGER vaults_no_delete BEFORE DELETE ON sopvault.vaults
    FOR EACH ROW EXECUTE FUNCTION sopvault.refuse_change();
CREATE TRIGGER vaults_forward_only BEFORE UPDATE ON sopvault.vaults
    FOR EACH ROW EXECUTE FUNCTION sopvault.vault_forward();
CREATE TRIGGER vaults_no_truncate BEFORE TRUNCATE ON sopvault.vaults
    FOR EACH STATEMENT EXECUTE FUNCTION sopvault.refuse_change();

-- The one write path. Appends a batch atomically: positions are taken under the vault row's
-- lock, so commit order is position order and there are no gaps; each record must extend the
-- current head of its chain (a stale head is SV001 and the client rebases). lock_timeout keeps
-- a member that holds the lock from blocking everyone else: the others get 55P03 and retry.
-- Returns the position of the last record appended.
CREATE FUNCTION sopvault.append(p_vault text, p_chains text[], p_heights bigint[],
                                p_prev_hashes bytea[], p_hashes bytea[], p_bodies bytea[],
                                p_seen_positions bigint[], p_seen_hashes bytea[])
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET lock_timeout = '2s'
AS $$
DECLARE
    n integer := coalesce(array_length(p_chains, 1), 0);
    pos bigint;
    head_height bigint;
    head bytea;
BEGIN
    IF n = 0 THEN
        RAISE EXCEPTION 'An append needs at least one record.' USING ERRCODE = 'SV003';
    END IF;
    IF coalesce(array_length(p_heights, 1), 0) <> n
       OR coalesce(array_length(p_prev_hashes, 1), 0) <> n
       OR coalesce(array_length(p_hashes, 1), 0) <> n
       OR coalesce(array_length(p_bodies, 1), 0) <> n
       OR coalesce(array_length(p_seen_positions, 1), 0) <> n
       OR coalesce(array_length(p_seen_hashes, 1), 0) <> n THEN
        RAISE EXCEPTION 'The columns of an append batch differ in length.' USING ERRCODE = 'SV003';
    END IF;
    IF NOT EXISTS (SELECT FROM sopvault.members m
                   WHERE m.vault_id = p_vault AND m.role_name = session_user::text) THEN
        RAISE EXCEPTION 'Role % is not a member of vault % on this server.', session_user, p_vault
            USING ERRCODE = '42501';
    END IF;

    SELECT v.last_position INTO pos FROM sopvault.vaults v WHERE v.vault_id = p_vault FOR UPDATE;

    FOR i IN 1 .. n LOOP
        IF p_chains[i] IS NULL OR p_heights[i] IS NULL OR p_hashes[i] IS NULL
           OR p_bodies[i] IS NULL OR p_seen_positions[i] IS NULL THEN
            RAISE EXCEPTION 'Record % of the batch has an empty required field.', i
                USING ERRCODE = 'SV003';
        END IF;
        SELECT h.height, h.head_hash INTO head_height, head FROM sopvault.chain_heads h
            WHERE h.vault_id = p_vault AND h.chain = p_chains[i];
        IF NOT FOUND THEN
            head_height := 0;
            head := NULL;
        END IF;
        IF p_heights[i] <> head_height + 1
           OR (head IS NULL AND coalesce(length(p_prev_hashes[i]), 0) <> 0)
           OR (head IS NOT NULL AND p_prev_hashes[i] IS DISTINCT FROM head) THEN
            RAISE EXCEPTION 'Stale head: chain % is at height % on the server.', p_chains[i],
                head_height USING ERRCODE = 'SV001', DETAIL = p_chains[i];
        END IF;
        pos := pos + 1;
        INSERT INTO sopvault.records (vault_id, position, chain, height, prev_hash, entry_hash,
                                      body, seen_position, seen_hash, author)
            VALUES (p_vault, pos, p_chains[i], p_heights[i], p_prev_hashes[i], p_hashes[i],
                    p_bodies[i], p_seen_positions[i], p_seen_hashes[i], session_user::text);
        INSERT INTO sopvault.chain_heads (vault_id, chain, height, head_hash)
            VALUES (p_vault, p_chains[i], p_heights[i], p_hashes[i])
            ON CONFLICT (vault_id, chain)
            DO UPDATE SET height = excluded.height, head_hash = excluded.head_hash;
    END LOOP;

    UPDATE sopvault.vaults SET last_position = pos WHERE vault_id = p_vault;
    -- A wake-up for clients that LISTEN; it carries nothing but the new head position.
    PERFORM pg_notify('sopvault_' || p_vault, pos::text);
    RETURN pos;
END
$$;

-- Administration (run by the administrator's own connection; EXECUTE is not granted to anyone).
-- A member role: LOGIN, in the member group, nothing more; an existing role is reused only if
-- it already is a member, so `add-member postgres` cannot turn a superuser into a member.
CREATE FUNCTION sopvault.admin_add_member(p_name text, p_verifier text, p_vaults text[])
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    created boolean := false;
    v text;
BEGIN
    IF p_name !~ '^[a-z_][a-z0-9_]{0,62}$' OR p_name LIKE 'pg\_%' OR p_name = 'sopvault_member' THEN
        RAISE EXCEPTION 'A member name is 1 to 63 lower-case letters, digits or _, starting with a letter or _, and not pg_...; ''%'' is not.', p_name
            USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = p_name) THEN
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_auth_members am
                       JOIN pg_catalog.pg_roles r ON r.oid = am.member
                       JOIN pg_catalog.pg_roles g ON g.oid = am.roleid
                       WHERE r.rolname = p_name AND g.rolname = 'sopvault_member'
                         AND NOT r.rolsuper) THEN
            RAISE EXCEPTION 'The database role % exists and is not a SOP Vault member; choose another name.', p_name
                USING ERRCODE = '42710';
        END IF;
        EXECUTE format('ALTER ROLE %I LOGIN', p_name);
    ELSE
        EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION '
                       'NOBYPASSRLS IN ROLE sopvault_member', p_name);
        created := true;
    END IF;
    IF p_verifier IS NOT NULL THEN
        EXECUTE format('ALTER ROLE %I PASSWORD %L', p_name, p_verifier);
    END IF;
    -- A session left idle inside a transaction is ended, so a stuck laptop releases its locks.
    EXECUTE format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', p_name, '60s');
    FOREACH v IN ARRAY coalesce(p_vaults, '{}'::text[]) LOOP
        INSERT INTO sopvault.vaults (vault_id) VALUES (v) ON CONFLICT DO NOTHING;
        INSERT INTO sopvault.members (vault_id, role_name) VALUES (v, p_name) ON CONFLICT DO NOTHING;
    END LOOP;
    RETURN created;
END
$$;

-- Removes a member: no more logins, out of the group, out of every vault. Its records stay.
-- Returns how many vault memberships it had. Ending its open sessions is the caller's next step,
-- after this commits, so a session cannot reconnect in between and still find itself a member.
CREATE FUNCTION sopvault.admin_remove_member(p_name text)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    removed integer;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_auth_members am
                   JOIN pg_catalog.pg_roles r ON r.oid = am.member
                   JOIN pg_catalog.pg_roles g ON g.oid = am.roleid
                   WHERE r.rolname = p_name AND g.rolname = 'sopvault_member') THEN
        RAISE EXCEPTION 'There is no SOP Vault member % on this server.', p_name
            USING ERRCODE = '42704';
    END IF;
    EXECUTE format('ALTER ROLE %I NOLOGIN', p_name);
    EXECUTE format('REVOKE sopvault_member FROM %I', p_name);
    DELETE FROM sopvault.members WHERE role_name = p_name;
    GET DIAGNOSTICS removed = ROW_COUNT;
    RETURN removed;
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA sopvault FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sopvault.append(text, text[], bigint[], bytea[], bytea[], bytea[],
                                          bigint[], bytea[]) TO sopvault_member;

-- Members read only what they may: their own membership rows, and the vaults they belong to.
GRANT SELECT ON sopvault.vaults, sopvault.members, sopvault.records, sopvault.chain_heads
    TO sopvault_member;
ALTER TABLE sopvault.vaults ENABLE ROW LEVEL SECURITY;
ALTER TABLE sopvault.members ENABLE ROW LEVEL SECURITY;
ALTER TABLE sopvault.records ENABLE ROW LEVEL SECURITY;
ALTER TABLE sopvault.chain_heads ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_memberships ON sopvault.members FOR SELECT TO sopvault_member
    USING (role_name = session_user::text);
CREATE POLICY member_vaults ON sopvault.vaults FOR SELECT TO sopvault_member
    USING (EXISTS (SELECT FROM sopvault.members m
                   WHERE m.vault_id = vaults.vault_id AND m.role_name = session_user::text));
CREATE POLICY member_records ON sopvault.records FOR SELECT TO sopvault_member
    USING (EXISTS (SELECT FROM sopvault.members m
                   WHERE m.vault_id = records.vault_id AND m.role_name = session_user::text));
CREATE POLICY member_heads ON sopvault.chain_heads FOR SELECT TO sopvault_member
    USING (EXISTS (SELECT FROM sopvault.members m
                   WHERE m.vault_id = chain_heads.vault_id AND m.role_name = session_user::text));
