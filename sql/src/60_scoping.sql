/*
 * 60_scoping.sql
 *		Scoping: named, dynamic scopes of assets (ctem.scope) defined by a
 *		filter in a small JSON language, evaluated in C without SQL built
 *		from it (src/scope/scope.c over src/core/scope_core.c), and the
 *		history of who was in which scope when (ctem.scope_membership_event,
 *		kept with the current members in ctem.scope_member).
 *
 * The triggers that keep membership current as assets change are created
 * by ctem.scope_install() (65_teams.sql), with the other additions to the
 * older tables ctem.asset and ctem.exposure.  docs/scoping.md describes
 * the language and the history.
 *
 * sql/src/60_scoping.sql
 */

/* ------------------------------------------------------------------------
 * The filter language (C)
 * ------------------------------------------------------------------------ */

CREATE FUNCTION ctem.scope_filter_valid(filter jsonb, routing boolean DEFAULT false)
RETURNS boolean
AS 'MODULE_PATHNAME', 'ctem_scope_filter_valid'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ctem.scope_filter_valid(jsonb, boolean) IS
	'true when filter is a valid scope filter (routing: a valid routing rule match, which may also name exposure_kinds, rule_pattern and min_severity); otherwise an error (22023) naming the member at fault, with its JSON path in the detail';

CREATE FUNCTION ctem.filter_matches(filter jsonb, kind ctem.asset_kind, natural_key text,
									environment text, business_service text, owner text,
									criticality smallint, internet_facing boolean,
									crown_jewel boolean, tags text[],
									reachable boolean DEFAULT NULL,
									exposure_kind ctem.exposure_kind DEFAULT NULL,
									rule_id text DEFAULT NULL,
									severity ctem.severity DEFAULT NULL)
RETURNS boolean
AS 'MODULE_PATHNAME', 'ctem_filter_matches'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ctem.filter_matches(jsonb, ctem.asset_kind, text, text, text, text, smallint, boolean, boolean, text[], boolean, ctem.exposure_kind, text, ctem.severity) IS
	'Whether an asset (and, for a routing match, an exposure on it) with these fields satisfies filter: every member must hold; a member on a NULL field does not hold; reachable is whether the asset is reachable from an entry point (only read by reachable_from_entry). NULL when filter is NULL';

CREATE FUNCTION ctem.filter_uses_reachability(filter jsonb)
RETURNS boolean
AS 'MODULE_PATHNAME', 'ctem_filter_uses_reachability'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ctem.filter_uses_reachability(jsonb) IS
	'Whether the filter (or routing match) has a reachable_from_entry member anywhere, so that evaluating it needs the tenant''s attack graph';

/* ------------------------------------------------------------------------
 * ctem.scope
 * ------------------------------------------------------------------------ */

CREATE TABLE ctem.scope (
	tenant_id		integer NOT NULL DEFAULT 1,
	name			text NOT NULL,
	description		text,
	filter			jsonb NOT NULL DEFAULT '{}',
	active			boolean NOT NULL DEFAULT true,
	created_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT scope_pkey PRIMARY KEY (tenant_id, name),
	CONSTRAINT scope_name_not_empty CHECK (pg_catalog.btrim(name) OPERATOR(pg_catalog.<>) ''),
	CONSTRAINT scope_filter_valid CHECK (ctem.scope_filter_valid(filter, false)),
	CONSTRAINT scope_tenant_positive CHECK (tenant_id OPERATOR(pg_catalog.>) 0)
);
COMMENT ON TABLE ctem.scope IS
	'Named scopes ("the external attack surface", "the payments service"): a filter over the tenant''s assets, evaluated whenever asked (ctem.scope_assets, ctem.in_scope), with the membership of active scopes kept in ctem.scope_member and its history in ctem.scope_membership_event';
COMMENT ON COLUMN ctem.scope.tenant_id IS 'Tenant (organisation) that owns the row; 1 for single-organisation use';
COMMENT ON COLUMN ctem.scope.name IS 'Name of the scope, unique within the tenant';
COMMENT ON COLUMN ctem.scope.description IS 'What the scope is for';
COMMENT ON COLUMN ctem.scope.filter IS
	'Which assets are in scope: a JSON object whose members all hold (asset_kinds, environments, business_services, owners, tags_any, tags_all, internet_facing, crown_jewel, min_criticality, key_pattern, reachable_from_entry, any_of, not; docs/scoping.md); validated on write';
COMMENT ON COLUMN ctem.scope.active IS 'Whether the membership history follows the scope; an inactive scope has no members (ctem.scope_assets still evaluates it)';
COMMENT ON COLUMN ctem.scope.created_at IS 'When the scope was created';
COMMENT ON COLUMN ctem.scope.updated_at IS 'When the scope last changed (set by the trigger scope_touch)';
COMMENT ON CONSTRAINT scope_pkey ON ctem.scope IS
	'Tenant first, as in every key of a tenant table, so that the table distributes by tenant';
COMMENT ON CONSTRAINT scope_name_not_empty ON ctem.scope IS 'A scope name is not blank';
COMMENT ON CONSTRAINT scope_filter_valid ON ctem.scope IS
	'The filter is valid (ctem.scope_filter_valid): an unknown member or a value of the wrong type is an error naming the member';
COMMENT ON CONSTRAINT scope_tenant_positive ON ctem.scope IS 'Tenant ids are positive';

/* ------------------------------------------------------------------------
 * Membership: the current members and the history
 * ------------------------------------------------------------------------ */

CREATE TABLE ctem.scope_member (
	tenant_id		integer NOT NULL DEFAULT 1,
	scope			text NOT NULL,
	asset_id		bigint NOT NULL,
	since			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT scope_member_pkey PRIMARY KEY (tenant_id, scope, asset_id)
);
COMMENT ON TABLE ctem.scope_member IS
	'The assets in each active scope now, kept by ctem''s triggers (do not write it): the state ctem.scope_membership_event records the changes of';
COMMENT ON COLUMN ctem.scope_member.tenant_id IS 'Tenant of the scope and the asset';
COMMENT ON COLUMN ctem.scope_member.scope IS 'The scope (ctem.scope.name)';
COMMENT ON COLUMN ctem.scope_member.asset_id IS 'The asset (ctem.asset.id)';
COMMENT ON COLUMN ctem.scope_member.since IS 'When the asset entered the scope';
COMMENT ON CONSTRAINT scope_member_pkey ON ctem.scope_member IS
	'An asset is in a scope once; tenant first';
CREATE INDEX scope_member_asset_idx ON ctem.scope_member (tenant_id, asset_id);
COMMENT ON INDEX ctem.scope_member_asset_idx IS 'The scopes an asset is in (what an asset change re-evaluates)';

CREATE TABLE ctem.scope_membership_event (
	tenant_id		integer NOT NULL DEFAULT 1,
	id				bigint GENERATED BY DEFAULT AS IDENTITY,
	scope			text NOT NULL,
	asset_id		bigint NOT NULL,
	event			text NOT NULL,
	at				timestamptz NOT NULL DEFAULT pg_catalog.now(),
	reason			text,
	CONSTRAINT scope_membership_event_pkey PRIMARY KEY (tenant_id, id),
	CONSTRAINT scope_membership_event_kind CHECK (event IN ('entered', 'left'))
);
COMMENT ON TABLE ctem.scope_membership_event IS
	'History of scope membership: an asset entered or left an active scope, when and why (the asset changed, the filter changed, the scope was activated, deactivated or deleted, the attack graph changed); written by ctem''s triggers. ctem.scope_assets_at reads it back';
COMMENT ON COLUMN ctem.scope_membership_event.tenant_id IS 'Tenant of the scope and the asset';
COMMENT ON COLUMN ctem.scope_membership_event.id IS 'Event id, increasing';
COMMENT ON COLUMN ctem.scope_membership_event.scope IS 'The scope''s name at the time';
COMMENT ON COLUMN ctem.scope_membership_event.asset_id IS 'The asset (it may have been deleted since)';
COMMENT ON COLUMN ctem.scope_membership_event.event IS 'entered or left';
COMMENT ON COLUMN ctem.scope_membership_event.at IS 'When (transaction start time)';
COMMENT ON COLUMN ctem.scope_membership_event.reason IS
	'Why: asset inserted, asset updated, asset deleted, scope created, filter changed, scope activated, scope deactivated, scope deleted, scope renamed, attack graph changed or refresh';
COMMENT ON CONSTRAINT scope_membership_event_pkey ON ctem.scope_membership_event IS
	'Tenant first, as in every key of a tenant table, so that the table distributes by tenant';
COMMENT ON CONSTRAINT scope_membership_event_kind ON ctem.scope_membership_event IS 'event is entered or left';
COMMENT ON SEQUENCE ctem.scope_membership_event_id_seq IS 'Identity sequence of ctem.scope_membership_event.id';
CREATE INDEX scope_membership_event_scope_idx ON ctem.scope_membership_event (tenant_id, scope, at);
COMMENT ON INDEX ctem.scope_membership_event_scope_idx IS 'The history of a scope in time order (ctem.scope_assets_at)';

SELECT pg_catalog.pg_extension_config_dump('ctem.scope', '');
SELECT pg_catalog.pg_extension_config_dump('ctem.scope_member', '');
SELECT pg_catalog.pg_extension_config_dump('ctem.scope_membership_event', '');
SELECT pg_catalog.pg_extension_config_dump('ctem.scope_membership_event_id_seq', '');
CREATE TRIGGER scope_restore
	BEFORE INSERT ON ctem.scope
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
COMMENT ON TRIGGER scope_restore ON ctem.scope IS
	'A restore stores the dumped rows as they are (ctem.restore_statement)';
CREATE TRIGGER scope_member_restore
	BEFORE INSERT ON ctem.scope_member
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
COMMENT ON TRIGGER scope_member_restore ON ctem.scope_member IS
	'A restore stores the dumped rows as they are (ctem.restore_statement)';
CREATE TRIGGER scope_membership_event_restore
	BEFORE INSERT ON ctem.scope_membership_event
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
COMMENT ON TRIGGER scope_membership_event_restore ON ctem.scope_membership_event IS
	'A restore stores the dumped rows as they are (ctem.restore_statement)';

/* ------------------------------------------------------------------------
 * Evaluation
 * ------------------------------------------------------------------------ */

-- reachable_from_entry: the assets an attacker reaches from any entry point
-- within the active policy's path_max_hops (ctem.reachable_assets), read
-- once per statement and tenant, and only for filters that ask
CREATE FUNCTION ctem.scope_reachable(tenant_id integer DEFAULT 1)
RETURNS bigint[]
LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN ARRAY(SELECT r.asset_id FROM ctem.reachable_assets(
		COALESCE((SELECT p.path_max_hops FROM ctem.policy p WHERE p.active), 12),
		scope_reachable.tenant_id) r ORDER BY r.asset_id);
END
$$;
COMMENT ON FUNCTION ctem.scope_reachable(integer) IS
	'The ids of the tenant''s assets reachable from an entry point within the active policy''s path_max_hops edges (ctem.reachable_assets), sorted: what reachable_from_entry reads';

CREATE FUNCTION ctem.scope_filter_of(scope text, tenant_id integer)
RETURNS jsonb
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	f jsonb;
BEGIN
	PERFORM ctem.tenant_check(scope_filter_of.tenant_id);
	SELECT s.filter INTO f FROM ctem.scope s
	WHERE s.tenant_id OPERATOR(pg_catalog.=) scope_filter_of.tenant_id
	  AND s.name OPERATOR(pg_catalog.=) scope_filter_of.scope;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'scope "%" does not exist', scope
			USING ERRCODE = 'undefined_object',
				  DETAIL = format('Tenant %s has no scope of that name.', tenant_id),
				  HINT = 'List the scopes with SELECT name FROM ctem.scope.';
	END IF;
	RETURN f;
END
$$;
COMMENT ON FUNCTION ctem.scope_filter_of(text, integer) IS
	'The filter of the tenant''s scope; an error (42704) when there is no such scope';

-- the whole-row argument is the API the issue names; SCALE_OUT rule 15:
-- on a distributed install call it on the coordinator, or use
-- ctem.scope_assets (docs/scoping.md)
CREATE FUNCTION ctem.in_scope(a ctem.asset, scope text)
RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	f jsonb;
BEGIN
	IF a IS NULL OR scope IS NULL THEN
		RETURN NULL;
	END IF;
	f := ctem.scope_filter_of(scope, a.tenant_id);
	RETURN ctem.filter_matches(f, a.kind, a.natural_key, a.environment, a.business_service,
		a.owner, a.criticality, a.internet_facing, a.crown_jewel, a.tags,
		CASE WHEN ctem.filter_uses_reachability(f)
			 THEN a.id OPERATOR(pg_catalog.=) ANY (ctem.scope_reachable(a.tenant_id)) END);
END
$$;
COMMENT ON FUNCTION ctem.in_scope(ctem.asset, text) IS
	'Whether the asset is in the scope of its tenant (its filter evaluated now, active or not); an error when the scope does not exist';

CREATE FUNCTION ctem.scope_assets(scope text, tenant_id integer DEFAULT 1)
RETURNS SETOF ctem.asset
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 100
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	f jsonb := ctem.scope_filter_of(scope, tenant_id);
	reach bigint[];
BEGIN
	IF ctem.filter_uses_reachability(f) THEN
		reach := ctem.scope_reachable(tenant_id);
	END IF;
	RETURN QUERY
		SELECT a.* FROM ctem.asset a
		WHERE a.tenant_id OPERATOR(pg_catalog.=) scope_assets.tenant_id
		  AND ctem.filter_matches(f, a.kind, a.natural_key, a.environment, a.business_service,
				a.owner, a.criticality, a.internet_facing, a.crown_jewel, a.tags,
				a.id OPERATOR(pg_catalog.=) ANY (reach))
		ORDER BY a.id;
END
$$;
COMMENT ON FUNCTION ctem.scope_assets(text, integer) IS
	'The tenant''s assets in the scope now (its filter evaluated over every asset, active or not), by id; an error when the scope does not exist';

CREATE FUNCTION ctem.scope_exposures(scope text, tenant_id integer DEFAULT 1)
RETURNS SETOF ctem.exposure
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 1000
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	ids bigint[] := ARRAY(SELECT a.id FROM ctem.scope_assets(scope, tenant_id) a);
BEGIN
	RETURN QUERY
		SELECT e.* FROM ctem.exposure e
		WHERE e.tenant_id OPERATOR(pg_catalog.=) scope_exposures.tenant_id
		  AND e.asset_id OPERATOR(pg_catalog.=) ANY (ids)
		ORDER BY e.id;
END
$$;
COMMENT ON FUNCTION ctem.scope_exposures(text, integer) IS
	'The exposures (any status) on the assets in the scope now, by id; filter on status for the open ones';

CREATE FUNCTION ctem.scope_assets_at(scope text, at timestamptz, tenant_id integer DEFAULT 1)
RETURNS TABLE (asset_id bigint, entered_at timestamptz)
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 100
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM ctem.tenant_check(scope_assets_at.tenant_id);
	RETURN QUERY
		SELECT h.asset_id, h.at FROM (
			SELECT DISTINCT ON (ev.asset_id) ev.asset_id, ev.event, ev.at
			FROM ctem.scope_membership_event ev
			WHERE ev.tenant_id OPERATOR(pg_catalog.=) scope_assets_at.tenant_id
			  AND ev.scope OPERATOR(pg_catalog.=) scope_assets_at.scope
			  AND ev.at OPERATOR(pg_catalog.<=) scope_assets_at.at
			ORDER BY ev.asset_id, ev.id DESC) h
		WHERE h.event OPERATOR(pg_catalog.=) 'entered'
		ORDER BY h.asset_id;
END
$$;
COMMENT ON FUNCTION ctem.scope_assets_at(text, timestamptz, integer) IS
	'The assets that were in the (active) scope at the given time, from ctem.scope_membership_event, with when they last entered: "what was in scope last quarter"';

/* ------------------------------------------------------------------------
 * Keeping membership current
 * ------------------------------------------------------------------------ */

/*
 * Set-based: the members the scopes' filters give now (of the given assets,
 * or of all the tenant's) against ctem.scope_member; the differences are
 * written as entered / left events.  Only active scopes have members; a
 * scope name that no longer exists loses its members.  As the owner: the
 * history is written for every change, whoever made it.
 */
CREATE FUNCTION ctem.scope_sync(tenant_id integer, scopes text[], asset_ids bigint[],
								reason text)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
-- plans for the asset ids given (NULL folds away and the indexes serve
-- "= ANY"), not a generic plan that scans every row against the array
SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
	t integer := scope_sync.tenant_id;
	reach bigint[];
	want_s text[];
	want_a bigint[];
	in_s text[];
	in_a bigint[];
	out_s text[];
	out_a bigint[];
BEGIN
	IF EXISTS (SELECT 1 FROM ctem.scope s
			   WHERE s.tenant_id OPERATOR(pg_catalog.=) t AND s.active
				 AND s.name OPERATOR(pg_catalog.=) ANY (scopes)
				 AND ctem.filter_uses_reachability(s.filter)) THEN
		reach := ctem.scope_reachable(t);
	END IF;
	SELECT pg_catalog.array_agg(s.name), pg_catalog.array_agg(a.id)
	INTO want_s, want_a
	FROM ctem.scope s, ctem.asset a
	WHERE s.tenant_id OPERATOR(pg_catalog.=) t AND s.active
	  AND s.name OPERATOR(pg_catalog.=) ANY (scopes)
	  AND a.tenant_id OPERATOR(pg_catalog.=) t
	  AND (asset_ids IS NULL OR a.id OPERATOR(pg_catalog.=) ANY (asset_ids))
	  AND ctem.filter_matches(s.filter, a.kind, a.natural_key, a.environment,
			a.business_service, a.owner, a.criticality, a.internet_facing,
			a.crown_jewel, a.tags, a.id OPERATOR(pg_catalog.=) ANY (reach));
	SELECT pg_catalog.array_agg(w.scope ORDER BY w.scope, w.asset_id),
		   pg_catalog.array_agg(w.asset_id ORDER BY w.scope, w.asset_id)
	INTO in_s, in_a
	FROM (SELECT x.scope, x.asset_id FROM ROWS FROM (pg_catalog.unnest(want_s), pg_catalog.unnest(want_a)) AS x(scope, asset_id)
		  EXCEPT
		  SELECT m.scope, m.asset_id FROM ctem.scope_member m
		  WHERE m.tenant_id OPERATOR(pg_catalog.=) t
			AND m.scope OPERATOR(pg_catalog.=) ANY (scopes)
			AND (asset_ids IS NULL OR m.asset_id OPERATOR(pg_catalog.=) ANY (asset_ids))) w;
	SELECT pg_catalog.array_agg(w.scope ORDER BY w.scope, w.asset_id),
		   pg_catalog.array_agg(w.asset_id ORDER BY w.scope, w.asset_id)
	INTO out_s, out_a
	FROM (SELECT m.scope, m.asset_id FROM ctem.scope_member m
		  WHERE m.tenant_id OPERATOR(pg_catalog.=) t
			AND m.scope OPERATOR(pg_catalog.=) ANY (scopes)
			AND (asset_ids IS NULL OR m.asset_id OPERATOR(pg_catalog.=) ANY (asset_ids))
		  EXCEPT
		  SELECT x.scope, x.asset_id FROM ROWS FROM (pg_catalog.unnest(want_s), pg_catalog.unnest(want_a)) AS x(scope, asset_id)) w;
	IF out_s IS NOT NULL THEN
		DELETE FROM ctem.scope_member m
		USING ROWS FROM (pg_catalog.unnest(out_s), pg_catalog.unnest(out_a)) AS g(scope, asset_id)
		WHERE m.tenant_id OPERATOR(pg_catalog.=) t
		  AND m.scope OPERATOR(pg_catalog.=) g.scope
		  AND m.asset_id OPERATOR(pg_catalog.=) g.asset_id;
		INSERT INTO ctem.scope_membership_event (tenant_id, scope, asset_id, event, reason)
		SELECT t, g.scope, g.asset_id, 'left', reason
		FROM ROWS FROM (pg_catalog.unnest(out_s), pg_catalog.unnest(out_a)) AS g(scope, asset_id);
	END IF;
	IF in_s IS NOT NULL THEN
		INSERT INTO ctem.scope_member (tenant_id, scope, asset_id)
		SELECT t, g.scope, g.asset_id
		FROM ROWS FROM (pg_catalog.unnest(in_s), pg_catalog.unnest(in_a)) AS g(scope, asset_id);
		INSERT INTO ctem.scope_membership_event (tenant_id, scope, asset_id, event, reason)
		SELECT t, g.scope, g.asset_id, 'entered', reason
		FROM ROWS FROM (pg_catalog.unnest(in_s), pg_catalog.unnest(in_a)) AS g(scope, asset_id);
	END IF;
	RETURN COALESCE(pg_catalog.cardinality(in_s), 0) + COALESCE(pg_catalog.cardinality(out_s), 0);
END
$$;
COMMENT ON FUNCTION ctem.scope_sync(integer, text[], bigint[], text) IS
	'Brings ctem.scope_member up to date for the named scopes of the tenant and the given assets (NULL: all of them), writing an entered or left event with the reason for each difference; returns the number of events. Used by the triggers; EXECUTE is not granted to PUBLIC.';

CREATE FUNCTION ctem.scope_refresh(scope text DEFAULT NULL, tenant_id integer DEFAULT 1)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM ctem.tenant_check(scope_refresh.tenant_id);
	RETURN ctem.scope_sync(scope_refresh.tenant_id,
		CASE WHEN scope_refresh.scope IS NULL
			 THEN ARRAY(SELECT s.name FROM ctem.scope s
						WHERE s.tenant_id OPERATOR(pg_catalog.=) scope_refresh.tenant_id)
			 ELSE ARRAY[scope_refresh.scope] END,
		NULL, 'refresh');
END
$$;
COMMENT ON FUNCTION ctem.scope_refresh(text, integer) IS
	'Re-evaluates the membership of one scope (NULL: every scope of the tenant) over all its assets now and records the differences (reason refresh); returns the number of events. Triggers do this on every change of scopes, assets and the attack graph; run it after a restore or a TRUNCATE. EXECUTE is not granted to PUBLIC.';

CREATE FUNCTION ctem.scope_touch()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	NEW.updated_at := pg_catalog.now();
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION ctem.scope_touch() IS
	'BEFORE UPDATE row trigger of ctem.scope: sets updated_at';
CREATE TRIGGER scope_touch
	BEFORE UPDATE ON ctem.scope
	FOR EACH ROW EXECUTE FUNCTION ctem.scope_touch();
COMMENT ON TRIGGER scope_touch ON ctem.scope IS 'Sets updated_at (ctem.scope_touch)';

-- scopes change rarely and one at a time: a row trigger
CREATE FUNCTION ctem.scope_membership()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
		PERFORM ctem.scope_sync(NEW.tenant_id, ARRAY[NEW.name], NULL, 'scope created');
	ELSIF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
		PERFORM ctem.scope_sync(OLD.tenant_id, ARRAY[OLD.name], NULL, 'scope deleted');
	ELSIF OLD.tenant_id OPERATOR(pg_catalog.<>) NEW.tenant_id
		  OR OLD.name OPERATOR(pg_catalog.<>) NEW.name THEN
		PERFORM ctem.scope_sync(OLD.tenant_id, ARRAY[OLD.name], NULL,
			'scope renamed to ' OPERATOR(pg_catalog.||) NEW.name);
		PERFORM ctem.scope_sync(NEW.tenant_id, ARRAY[NEW.name], NULL,
			'scope renamed from ' OPERATOR(pg_catalog.||) OLD.name);
	ELSIF OLD.active AND NOT NEW.active THEN
		PERFORM ctem.scope_sync(NEW.tenant_id, ARRAY[NEW.name], NULL, 'scope deactivated');
	ELSIF NEW.active AND NOT OLD.active THEN
		PERFORM ctem.scope_sync(NEW.tenant_id, ARRAY[NEW.name], NULL, 'scope activated');
	ELSIF OLD.filter OPERATOR(pg_catalog.<>) NEW.filter THEN
		PERFORM ctem.scope_sync(NEW.tenant_id, ARRAY[NEW.name], NULL, 'filter changed');
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION ctem.scope_membership() IS
	'AFTER row trigger of ctem.scope: re-evaluates the membership of a scope that was created, deleted, renamed, (de)activated or given another filter (ctem.scope_sync)';
CREATE TRIGGER scope_membership
	AFTER INSERT OR UPDATE OR DELETE ON ctem.scope
	FOR EACH ROW EXECUTE FUNCTION ctem.scope_membership();
COMMENT ON TRIGGER scope_membership ON ctem.scope IS
	'Keeps ctem.scope_member and its history current when scopes change (ctem.scope_membership)';

/*
 * Assets: statement triggers (created by ctem.scope_install, 65_teams.sql)
 * read their transition table into arrays, one query, then re-evaluate the
 * tenant's active scopes for those assets (SCALE_OUT rule 12); when a scope
 * of the tenant reads reachable_from_entry, for all its assets (a new entry
 * point changes what the others reach).  The same trigger re-routes the
 * exposures of updated assets (ctem.route_exposures).
 */
CREATE FUNCTION ctem.asset_scope_sync()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	tenants integer[];
	ids bigint[];
	t integer;
	reason text := CASE TG_OP WHEN 'INSERT' THEN 'asset inserted'
							  WHEN 'UPDATE' THEN 'asset updated' ELSE 'asset deleted' END;
	scopes text[];
	reach_scopes text[];
BEGIN
	IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
		SELECT pg_catalog.array_agg(o.tenant_id), pg_catalog.array_agg(o.id)
		INTO tenants, ids FROM old_assets o;
	ELSIF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
		-- only the assets whose filtered or routed columns changed (an
		-- ingest's last_seen is neither)
		SELECT pg_catalog.array_agg(n.tenant_id), pg_catalog.array_agg(n.id)
		INTO tenants, ids
		FROM new_assets n JOIN old_assets o ON o.tenant_id OPERATOR(pg_catalog.=) n.tenant_id
											AND o.id OPERATOR(pg_catalog.=) n.id
		WHERE (n.kind, n.natural_key, n.environment, n.business_service, n.owner,
			   n.criticality, n.internet_facing, n.crown_jewel, n.tags)
			  IS DISTINCT FROM
			  (o.kind, o.natural_key, o.environment, o.business_service, o.owner,
			   o.criticality, o.internet_facing, o.crown_jewel, o.tags);
	ELSE
		SELECT pg_catalog.array_agg(n.tenant_id), pg_catalog.array_agg(n.id)
		INTO tenants, ids FROM new_assets n;
	END IF;
	IF tenants IS NULL THEN
		RETURN NULL;
	END IF;
	FOR t IN SELECT DISTINCT x FROM pg_catalog.unnest(tenants) x ORDER BY x LOOP
		SELECT pg_catalog.array_agg(s.name ORDER BY s.name)
				   FILTER (WHERE NOT ctem.filter_uses_reachability(s.filter)),
			   pg_catalog.array_agg(s.name ORDER BY s.name)
				   FILTER (WHERE ctem.filter_uses_reachability(s.filter))
		INTO scopes, reach_scopes
		FROM ctem.scope s
		WHERE s.tenant_id OPERATOR(pg_catalog.=) t AND s.active;
		IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
			-- every scope the deleted assets were in, active or not
			scopes := ARRAY(SELECT DISTINCT m.scope FROM ctem.scope_member m
							WHERE m.tenant_id OPERATOR(pg_catalog.=) t
							  AND m.asset_id OPERATOR(pg_catalog.=) ANY (ids));
		END IF;
		IF scopes IS NOT NULL THEN
			PERFORM ctem.scope_sync(t, scopes,
				ARRAY(SELECT i.id FROM ROWS FROM (pg_catalog.unnest(tenants), pg_catalog.unnest(ids)) AS i(tenant_id, id)
					  WHERE i.tenant_id OPERATOR(pg_catalog.=) t), reason);
		END IF;
		IF reach_scopes IS NOT NULL AND TG_OP OPERATOR(pg_catalog.<>) 'DELETE' THEN
			PERFORM ctem.scope_sync(t, reach_scopes, NULL, reason);
		END IF;
		-- routing gives no team in a tenant without teams
		IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE'
		   AND EXISTS (SELECT 1 FROM ctem.team m WHERE m.tenant_id OPERATOR(pg_catalog.=) t) THEN
			PERFORM ctem.route_exposures(t,
				ARRAY(SELECT i.id FROM ROWS FROM (pg_catalog.unnest(tenants), pg_catalog.unnest(ids)) AS i(tenant_id, id)
					  WHERE i.tenant_id OPERATOR(pg_catalog.=) t));
		END IF;
	END LOOP;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION ctem.asset_scope_sync() IS
	'AFTER INSERT, UPDATE and DELETE statement trigger of ctem.asset: re-evaluates the tenant''s active scopes for the assets the statement wrote (all assets for scopes that read reachable_from_entry) and records entered / left events; after an UPDATE, re-routes the exposures of those assets';

-- the attack graph: edges decide what is reachable from an entry point
CREATE FUNCTION ctem.asset_edge_scope_sync()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	tenants integer[];
	t integer;
	reach_scopes text[];
BEGIN
	IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
		SELECT pg_catalog.array_agg(DISTINCT o.tenant_id) INTO tenants FROM old_edges o;
	ELSE
		SELECT pg_catalog.array_agg(DISTINCT n.tenant_id) INTO tenants FROM new_edges n;
	END IF;
	IF tenants IS NULL THEN
		RETURN NULL;
	END IF;
	FOREACH t IN ARRAY tenants LOOP
		SELECT pg_catalog.array_agg(s.name ORDER BY s.name) INTO reach_scopes
		FROM ctem.scope s
		WHERE s.tenant_id OPERATOR(pg_catalog.=) t AND s.active
		  AND ctem.filter_uses_reachability(s.filter);
		IF reach_scopes IS NOT NULL THEN
			PERFORM ctem.scope_sync(t, reach_scopes, NULL, 'attack graph changed');
		END IF;
		IF EXISTS (SELECT 1 FROM ctem.routing_rule r
				   WHERE r.tenant_id OPERATOR(pg_catalog.=) t
					 AND ctem.filter_uses_reachability(r.match)) THEN
			PERFORM ctem.route_exposures(t, NULL);
		END IF;
	END LOOP;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION ctem.asset_edge_scope_sync() IS
	'AFTER INSERT, UPDATE and DELETE statement trigger of ctem.asset_edge: for each tenant whose edges changed, re-evaluates the active scopes and re-routes the exposures whose filters read reachable_from_entry';
CREATE TRIGGER asset_edge_scope_ins
	AFTER INSERT ON ctem.asset_edge
	REFERENCING NEW TABLE AS new_edges
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.asset_edge_scope_sync();
COMMENT ON TRIGGER asset_edge_scope_ins ON ctem.asset_edge IS
	'Scopes and routing rules that read reachable_from_entry follow the attack graph (ctem.asset_edge_scope_sync)';
CREATE TRIGGER asset_edge_scope_upd
	AFTER UPDATE ON ctem.asset_edge
	REFERENCING NEW TABLE AS new_edges
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.asset_edge_scope_sync();
COMMENT ON TRIGGER asset_edge_scope_upd ON ctem.asset_edge IS
	'Scopes and routing rules that read reachable_from_entry follow the attack graph (ctem.asset_edge_scope_sync)';
CREATE TRIGGER asset_edge_scope_del
	AFTER DELETE ON ctem.asset_edge
	REFERENCING OLD TABLE AS old_edges
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.asset_edge_scope_sync();
COMMENT ON TRIGGER asset_edge_scope_del ON ctem.asset_edge IS
	'Scopes and routing rules that read reachable_from_entry follow the attack graph (ctem.asset_edge_scope_sync)';
