/*
 * 70_mobilization.sql
 *		Mobilization: the exposure workflow (the allowed status transitions,
 *		enforced by a trigger; ctem.set_status for bulk work) and risk
 *		acceptance with expiry (ctem.risk_acceptance, the only way to
 *		risk_accepted; ctem.expire_acceptances reopens what expired), with
 *		every change in ctem.exposure_event (src/mobilize/workflow.c,
 *		src/mobilize/history.c; docs/mobilization.md).
 *
 * The policy's max_acceptance_days is in 40_prioritization.sql, with the
 * other columns of ctem.policy.
 *
 * sql/src/70_mobilization.sql
 */

/* ------------------------------------------------------------------------
 * The workflow trigger and what the workflow adds to older tenant tables
 * ------------------------------------------------------------------------ */

CREATE FUNCTION ctem.exposure_workflow()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ctem_exposure_workflow'
LANGUAGE C;
COMMENT ON FUNCTION ctem.exposure_workflow() IS
	'BEFORE row trigger of ctem.exposure: refuses a status change the workflow does not allow (naming the transition and the allowed targets), a change to false_positive without a reason, and risk_accepted outside a risk acceptance (on UPDATE and on INSERT)';

/*
 * The history's columns and event kinds of the workflow (at the end of
 * ctem.exposure_event) and the workflow triggers of ctem.exposure.  Created
 * by a function, so that an upgrade can leave them to the operator on a
 * distributed install (rule 17 of SCALE_OUT.md; as ctem.graph_install),
 * and the fresh install and the upgrade create the same objects.
 * Idempotent.
 */
CREATE FUNCTION ctem.workflow_install()
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute
				   WHERE attrelid OPERATOR(pg_catalog.=) 'ctem.exposure_event'::pg_catalog.regclass
					 AND attname OPERATOR(pg_catalog.=) 'app_actor'
					 AND NOT attisdropped) THEN
		ALTER TABLE ctem.exposure_event
			ADD COLUMN app_actor text,
			ADD COLUMN acceptance_id bigint;
		COMMENT ON COLUMN ctem.exposure_event.app_actor IS
			'The person or system the application named for the change (the actor argument of ctem.set_status and ctem.revoke_acceptance; approved_by of a risk acceptance); NULL when none was given';
		COMMENT ON COLUMN ctem.exposure_event.acceptance_id IS
			'The ctem.risk_acceptance (same tenant) that accepted the exposure, or whose expiry or revocation reopened it';
	END IF;
	ALTER TABLE ctem.exposure_event
		DROP CONSTRAINT IF EXISTS exposure_event_kind,
		ADD CONSTRAINT exposure_event_kind CHECK (event IN
			('reopened', 'resolved', 'status_changed', 'priority_changed', 'team_changed',
			 'accepted', 'acceptance_expired', 'acceptance_revoked'));
	COMMENT ON CONSTRAINT exposure_event_kind ON ctem.exposure_event IS
		'event is reopened, resolved, status_changed, priority_changed, team_changed, accepted, acceptance_expired or acceptance_revoked';
	COMMENT ON COLUMN ctem.exposure_event.event IS
		'reopened (a closed exposure became active again), resolved (it closed), status_changed, priority_changed, team_changed (routing assigned another team), accepted (a risk acceptance moved it to risk_accepted), acceptance_expired or acceptance_revoked (its acceptance ended and it reopened)';
	-- after exposure_before_row (name order): a re-detection the merge
	-- turns into an UPDATE is checked as that UPDATE
	CREATE OR REPLACE TRIGGER exposure_workflow
		BEFORE UPDATE OF status ON ctem.exposure
		FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
		EXECUTE FUNCTION ctem.exposure_workflow();
	COMMENT ON TRIGGER exposure_workflow ON ctem.exposure IS
		'Refuses a status change the workflow does not allow (ctem.exposure_workflow; docs/mobilization.md)';
	CREATE OR REPLACE TRIGGER exposure_workflow_insert
		BEFORE INSERT ON ctem.exposure
		FOR EACH ROW WHEN (NEW.status OPERATOR(pg_catalog.=) 'risk_accepted'::ctem.exposure_status)
		EXECUTE FUNCTION ctem.exposure_workflow();
	COMMENT ON TRIGGER exposure_workflow_insert ON ctem.exposure IS
		'Refuses an exposure inserted as risk_accepted: only a risk acceptance leads there (ctem.exposure_workflow)';
	RETURN 2;
END
$$;
COMMENT ON FUNCTION ctem.workflow_install() IS
	'Adds what the workflow needs to ctem.exposure_event and ctem.exposure: the columns app_actor and acceptance_id (when missing), the event kinds of risk acceptance, and the 2 triggers exposure_workflow and exposure_workflow_insert (created or replaced); returns the number of triggers. Run by CREATE EXTENSION and by the upgrade to 0.6.0; on a distributed install the upgrade leaves it to the operator (docs/mobilization.md). EXECUTE is not granted to PUBLIC.';
SELECT ctem.workflow_install();

/* ------------------------------------------------------------------------
 * ctem.set_status
 * ------------------------------------------------------------------------ */

CREATE FUNCTION ctem.set_status(exposure_ids bigint[], status ctem.exposure_status,
								reason text, actor text DEFAULT NULL,
								tenant_id integer DEFAULT 1)
RETURNS integer
AS 'MODULE_PATHNAME', 'ctem_set_status'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION ctem.set_status(bigint[], ctem.exposure_status, text, text, integer) IS
	'Sets the status of the tenant''s exposures exposure_ids in one UPDATE, all or nothing: an id the tenant does not have, or a transition the workflow refuses for any row, changes nothing. reason (required for false_positive) and actor (the application''s user, optional) go into ctem.exposure_event. risk_accepted is not a target: record a ctem.risk_acceptance. Returns the number of exposures changed (those already in the status are left alone).';

/* ------------------------------------------------------------------------
 * ctem.risk_acceptance
 * ------------------------------------------------------------------------ */

CREATE TABLE ctem.risk_acceptance (
	tenant_id		integer NOT NULL DEFAULT 1,
	id				bigint GENERATED BY DEFAULT AS IDENTITY,
	exposure_id		bigint,
	match			jsonb,
	reason			text NOT NULL,
	approved_by		text NOT NULL DEFAULT ctem.event_actor(),
	approved_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	expires_at		timestamptz NOT NULL,
	created_by		text NOT NULL DEFAULT ctem.event_actor(),
	ended_at		timestamptz,
	end_reason		text,
	ended_by		text,
	CONSTRAINT risk_acceptance_pkey PRIMARY KEY (tenant_id, id),
	CONSTRAINT risk_acceptance_target CHECK ((exposure_id IS NULL) OPERATOR(pg_catalog.<>) (match IS NULL)),
	CONSTRAINT risk_acceptance_match_is_object CHECK (pg_catalog.jsonb_typeof(match) OPERATOR(pg_catalog.=) 'object'),
	CONSTRAINT risk_acceptance_expiry_order CHECK (expires_at OPERATOR(pg_catalog.>) approved_at),
	CONSTRAINT risk_acceptance_ended CHECK ((ended_at IS NULL) OPERATOR(pg_catalog.=) (end_reason IS NULL)),
	CONSTRAINT risk_acceptance_tenant_positive CHECK (tenant_id OPERATOR(pg_catalog.>) 0)
);
COMMENT ON TABLE ctem.risk_acceptance IS
	'Risk acceptances: a decision, with reason, approver and expiry, to accept the risk of one exposure or of the exposures a match selects. Recording one moves the matching open and in-progress exposures to risk_accepted, the only way to that status; when it expires (ctem.expire_acceptances) or is revoked (ctem.revoke_acceptance), the exposures it alone covered reopen. A row is never changed otherwise (docs/mobilization.md).';
COMMENT ON COLUMN ctem.risk_acceptance.tenant_id IS 'Tenant (organisation) that owns the row; 1 for single-organisation use';
COMMENT ON COLUMN ctem.risk_acceptance.id IS 'Surrogate key, unique within the tenant';
COMMENT ON COLUMN ctem.risk_acceptance.exposure_id IS 'The one exposure accepted (same tenant); NULL when match selects them';
COMMENT ON COLUMN ctem.risk_acceptance.match IS
	'The exposures accepted, when not one: an object whose members all must hold: asset_id (number or array: any of), rule_id (string or array: any of; CVE ids upper-cased), rule_pattern (a LIKE pattern on rule_id), kind (ctem.exposure_kind label or array). Stored with arrays. assets: a scope filter over the exposure''s asset, in the language of ctem.scope, without reachable_from_entry (docs/mobilization.md)';
COMMENT ON COLUMN ctem.risk_acceptance.reason IS 'Why the risk is accepted (the note of the history events)';
COMMENT ON COLUMN ctem.risk_acceptance.approved_by IS 'Who approved it (the application actor of the history events); the recording role by default';
COMMENT ON COLUMN ctem.risk_acceptance.approved_at IS 'When it was approved';
COMMENT ON COLUMN ctem.risk_acceptance.expires_at IS
	'When it expires: required, in the future, and at most the active policy''s max_acceptance_days after approved_at';
COMMENT ON COLUMN ctem.risk_acceptance.created_by IS 'The database role that recorded it';
COMMENT ON COLUMN ctem.risk_acceptance.ended_at IS 'When it ended (expiry as applied by ctem.expire_acceptances, or revocation); NULL while in force';
COMMENT ON COLUMN ctem.risk_acceptance.end_reason IS 'expired, or revoked: and the reason';
COMMENT ON COLUMN ctem.risk_acceptance.ended_by IS 'Who ended it: the actor given to ctem.revoke_acceptance, else the role';
COMMENT ON CONSTRAINT risk_acceptance_pkey ON ctem.risk_acceptance IS
	'Tenant first, as in every key of a tenant table, so that the table distributes by tenant';
COMMENT ON CONSTRAINT risk_acceptance_target ON ctem.risk_acceptance IS
	'An acceptance names one exposure (exposure_id) or a match, not both';
COMMENT ON CONSTRAINT risk_acceptance_match_is_object ON ctem.risk_acceptance IS 'match is a JSON object';
COMMENT ON CONSTRAINT risk_acceptance_expiry_order ON ctem.risk_acceptance IS 'expires_at is after approved_at';
COMMENT ON CONSTRAINT risk_acceptance_ended ON ctem.risk_acceptance IS 'An ended acceptance says why (end_reason), and only an ended one';
COMMENT ON CONSTRAINT risk_acceptance_tenant_positive ON ctem.risk_acceptance IS 'Tenant ids are positive';
COMMENT ON SEQUENCE ctem.risk_acceptance_id_seq IS 'Identity sequence of ctem.risk_acceptance.id';

CREATE INDEX risk_acceptance_due_idx ON ctem.risk_acceptance (tenant_id, expires_at) WHERE ended_at IS NULL;
COMMENT ON INDEX ctem.risk_acceptance_due_idx IS 'The acceptances in force by expiry (ctem.expire_acceptances)';

CREATE TABLE ctem.risk_acceptance_exposure (
	tenant_id		integer NOT NULL DEFAULT 1,
	acceptance_id	bigint NOT NULL,
	exposure_id		bigint NOT NULL,
	linked_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT risk_acceptance_exposure_pkey PRIMARY KEY (tenant_id, acceptance_id, exposure_id),
	CONSTRAINT risk_acceptance_exposure_acceptance_fk FOREIGN KEY (tenant_id, acceptance_id)
		REFERENCES ctem.risk_acceptance (tenant_id, id)
);
COMMENT ON TABLE ctem.risk_acceptance_exposure IS
	'The exposures each risk acceptance covers, written by ctem when the acceptance is recorded or applied again (ctem.apply_acceptance); when it ends, those of them still risk_accepted that no other acceptance in force covers reopen. No declared foreign key to ctem.exposure (a TRUNCATE of the exposures need not name this table); a link whose exposure was deleted is ignored';
COMMENT ON COLUMN ctem.risk_acceptance_exposure.tenant_id IS 'Tenant of the acceptance and the exposure';
COMMENT ON COLUMN ctem.risk_acceptance_exposure.acceptance_id IS 'The risk acceptance';
COMMENT ON COLUMN ctem.risk_acceptance_exposure.exposure_id IS 'An exposure it covers (same tenant)';
COMMENT ON COLUMN ctem.risk_acceptance_exposure.linked_at IS 'When the acceptance took the exposure in';
COMMENT ON CONSTRAINT risk_acceptance_exposure_pkey ON ctem.risk_acceptance_exposure IS
	'Tenant first, as in every key of a tenant table, so that the table distributes by tenant';
COMMENT ON CONSTRAINT risk_acceptance_exposure_acceptance_fk ON ctem.risk_acceptance_exposure IS
	'A link belongs to an acceptance of the same tenant; an acceptance that covered exposures cannot be deleted';

CREATE INDEX risk_acceptance_exposure_exposure_idx ON ctem.risk_acceptance_exposure (tenant_id, exposure_id);
COMMENT ON INDEX ctem.risk_acceptance_exposure_exposure_idx IS 'The acceptances that cover an exposure';

-- A recorded acceptance is checked (PL/pgSQL: the match is validated and
-- stored in its normal form) and applied (C: the status change is ctem's
-- own, see src/mobilize/workflow.c), as the owner of ctem.risk_acceptance.
CREATE FUNCTION ctem.risk_acceptance_check()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	max_days integer;
	policy_name text;
	member text;
	val jsonb;
	norm jsonb := '{}';
	elem jsonb;
	arr jsonb;
BEGIN
	IF NEW.reason IS NULL OR pg_catalog.btrim(NEW.reason) OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'a risk acceptance needs a reason'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Say why the risk is accepted (reason).';
	END IF;
	SELECT p.max_acceptance_days, p.name INTO max_days, policy_name
	FROM ctem.policy p WHERE p.active;
	IF max_days IS NULL THEN
		max_days := 365;
		policy_name := '(none active)';
	END IF;
	IF NEW.expires_at IS NULL THEN
		RAISE EXCEPTION 'a risk acceptance needs an expiry'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'Every accepted risk is reviewed again: an acceptance without expires_at is refused.',
				  HINT = pg_catalog.format('Set expires_at, at most %s days after approved_at (max_acceptance_days of policy "%s").', max_days, policy_name);
	END IF;
	IF NEW.approved_at IS NOT NULL THEN
		IF NEW.expires_at OPERATOR(pg_catalog.<=) pg_catalog.now() THEN
			RAISE EXCEPTION 'a risk acceptance must expire in the future'
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Set expires_at to a later time.';
		END IF;
		IF NEW.expires_at OPERATOR(pg_catalog.>) (NEW.approved_at OPERATOR(pg_catalog.+) pg_catalog.make_interval(days => max_days)) THEN
			RAISE EXCEPTION 'a risk acceptance may last at most % days', max_days
				USING ERRCODE = 'invalid_parameter_value',
					  DETAIL = pg_catalog.format('It would last %s days from approved_at; policy "%s" allows %s (max_acceptance_days).',
										  pg_catalog.round(pg_catalog.date_part('epoch', NEW.expires_at OPERATOR(pg_catalog.-) NEW.approved_at) OPERATOR(pg_catalog./) 86400), policy_name, max_days),
					  HINT = 'Choose an earlier expires_at, and accept again when it expires if the risk still stands.';
		END IF;
	END IF;
	IF (NEW.exposure_id IS NULL) OPERATOR(pg_catalog.=) (NEW.match IS NULL) THEN
		RAISE EXCEPTION 'a risk acceptance names either one exposure or a match'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Set exposure_id, or match (e.g. {"rule_id": "CVE-2024-1234", "asset_id": [12, 13]}), not both.';
	END IF;
	IF NEW.match IS NOT NULL THEN
		IF pg_catalog.jsonb_typeof(NEW.match) OPERATOR(pg_catalog.<>) 'object' OR NEW.match OPERATOR(pg_catalog.=) '{}' THEN
			RAISE EXCEPTION 'the match of a risk acceptance must be a non-empty JSON object'
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Use members asset_id, rule_id, rule_pattern and kind, e.g. {"rule_id": "CVE-2024-1234"}.';
		END IF;
		FOR member, val IN SELECT j.key, j.value FROM pg_catalog.jsonb_each(NEW.match) j LOOP
			IF member OPERATOR(pg_catalog.=) 'assets' THEN
				-- a scope filter over the exposure's asset (60_scoping.sql);
				-- ctem.scope_filter_valid raises the error naming the member
				PERFORM ctem.scope_filter_valid(val);
				IF ctem.filter_uses_reachability(val) THEN
					RAISE EXCEPTION 'match member "assets" must not use reachable_from_entry'
						USING ERRCODE = 'invalid_parameter_value',
							  DETAIL = 'What an acceptance covers is fixed when it is recorded from properties of the assets; reachability changes with every edge.',
							  HINT = 'Name the assets by their properties (asset_kinds, environments, owners, tags_any, key_pattern, ...).';
				END IF;
				norm := norm OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(member, val);
			ELSIF member OPERATOR(pg_catalog.=) 'rule_pattern' THEN
				IF pg_catalog.jsonb_typeof(val) OPERATOR(pg_catalog.<>) 'string' OR (val OPERATOR(pg_catalog.#>>) '{}') OPERATOR(pg_catalog.=) '' THEN
					RAISE EXCEPTION 'match member "rule_pattern" must be a non-empty string'
						USING ERRCODE = 'invalid_parameter_value',
							  HINT = 'A LIKE pattern on rule_id, e.g. "CVE-2024-%".';
				END IF;
				norm := norm OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(member, val);
			ELSIF member OPERATOR(pg_catalog.=) ANY ('{asset_id,rule_id,kind}'::text[]) THEN
				arr := CASE pg_catalog.jsonb_typeof(val) WHEN 'array' THEN val
					   ELSE pg_catalog.jsonb_build_array(val) END;
				IF pg_catalog.jsonb_array_length(arr) OPERATOR(pg_catalog.=) 0 THEN
					RAISE EXCEPTION 'match member "%" must not be an empty array', member
						USING ERRCODE = 'invalid_parameter_value';
				END IF;
				norm := norm OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(member, '[]'::jsonb);
				FOR elem IN SELECT pg_catalog.jsonb_array_elements(arr) LOOP
					IF member OPERATOR(pg_catalog.=) 'asset_id' THEN
						IF pg_catalog.jsonb_typeof(elem) OPERATOR(pg_catalog.<>) 'number'
						   OR (elem OPERATOR(pg_catalog.#>>) '{}') OPERATOR(pg_catalog.!~) '^[0-9]+$' THEN
							RAISE EXCEPTION 'match member "asset_id" must be an asset id or an array of them'
								USING ERRCODE = 'invalid_parameter_value',
									  DETAIL = pg_catalog.format('%s is not an asset id.', elem);
						END IF;
					ELSIF pg_catalog.jsonb_typeof(elem) OPERATOR(pg_catalog.<>) 'string' THEN
						RAISE EXCEPTION 'match member "%" must be a string or an array of strings', member
							USING ERRCODE = 'invalid_parameter_value',
								  DETAIL = pg_catalog.format('%s is not a string.', elem);
					ELSIF member OPERATOR(pg_catalog.=) 'kind' THEN
						IF NOT (elem OPERATOR(pg_catalog.#>>) '{}') OPERATOR(pg_catalog.=) ANY (pg_catalog.enum_range(NULL::ctem.exposure_kind)::text[]) THEN
							RAISE EXCEPTION 'match member "kind" names no exposure kind: %', elem
								USING ERRCODE = 'invalid_parameter_value',
									  HINT = pg_catalog.format('The kinds are %s.', pg_catalog.array_to_string(pg_catalog.enum_range(NULL::ctem.exposure_kind)::text[], ', '));
						END IF;
					ELSIF (elem OPERATOR(pg_catalog.#>>) '{}') OPERATOR(pg_catalog.~*) '^cve-' THEN
						-- CVE ids are stored upper-cased on exposures
						elem := pg_catalog.to_jsonb(pg_catalog.upper(elem OPERATOR(pg_catalog.#>>) '{}'));
					END IF;
					norm := pg_catalog.jsonb_set(norm, ARRAY[member],
						(norm OPERATOR(pg_catalog.->) member) OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_array(elem));
				END LOOP;
			ELSE
				RAISE EXCEPTION 'unknown member "%" in the match of a risk acceptance', member
					USING ERRCODE = 'invalid_parameter_value',
						  HINT = 'The members are asset_id, rule_id, rule_pattern, kind and assets (a scope filter over the asset); all must hold.';
			END IF;
		END LOOP;
		NEW.match := norm;
	END IF;
	NEW.ended_at := NULL;
	NEW.end_reason := NULL;
	NEW.ended_by := NULL;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION ctem.risk_acceptance_check() IS
	'BEFORE INSERT row trigger of ctem.risk_acceptance: refuses an acceptance without reason, without expires_at, expiring in the past or later than the active policy''s max_acceptance_days after approved_at, or naming both or neither of exposure_id and match; validates match (an unknown member or a wrong type is an error naming the member) and stores it with arrays';
CREATE TRIGGER risk_acceptance_check
	BEFORE INSERT ON ctem.risk_acceptance
	FOR EACH ROW EXECUTE FUNCTION ctem.risk_acceptance_check();
COMMENT ON TRIGGER risk_acceptance_check ON ctem.risk_acceptance IS
	'Validates a new acceptance (ctem.risk_acceptance_check)';

CREATE FUNCTION ctem.risk_acceptance_applied()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ctem_risk_acceptance_applied'
LANGUAGE C;
COMMENT ON FUNCTION ctem.risk_acceptance_applied() IS
	'AFTER INSERT row trigger of ctem.risk_acceptance: links the exposures the acceptance covers and moves the open and in-progress ones to risk_accepted, with history events (accepted) that carry the reason, approver and acceptance; as the table''s owner';
CREATE TRIGGER risk_acceptance_applied
	AFTER INSERT ON ctem.risk_acceptance
	FOR EACH ROW EXECUTE FUNCTION ctem.risk_acceptance_applied();
COMMENT ON TRIGGER risk_acceptance_applied ON ctem.risk_acceptance IS
	'Applies a new acceptance to the exposures it covers (ctem.risk_acceptance_applied)';

CREATE FUNCTION ctem.risk_acceptance_guard()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ctem_risk_acceptance_guard'
LANGUAGE C;
COMMENT ON FUNCTION ctem.risk_acceptance_guard() IS
	'BEFORE UPDATE row trigger of ctem.risk_acceptance: an acceptance is not changed, except when ctem.expire_acceptances or ctem.revoke_acceptance ends it';
CREATE TRIGGER risk_acceptance_guard
	BEFORE UPDATE ON ctem.risk_acceptance
	FOR EACH ROW EXECUTE FUNCTION ctem.risk_acceptance_guard();
COMMENT ON TRIGGER risk_acceptance_guard ON ctem.risk_acceptance IS
	'Refuses changes of an acceptance other than its end (ctem.risk_acceptance_guard)';

SELECT pg_catalog.pg_extension_config_dump('ctem.risk_acceptance', '');
SELECT pg_catalog.pg_extension_config_dump('ctem.risk_acceptance_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ctem.risk_acceptance_exposure', '');
CREATE TRIGGER risk_acceptance_restore
	BEFORE INSERT ON ctem.risk_acceptance
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
COMMENT ON TRIGGER risk_acceptance_restore ON ctem.risk_acceptance IS
	'A restore stores the dumped rows as they are (ctem.restore_statement)';
CREATE TRIGGER risk_acceptance_exposure_restore
	BEFORE INSERT ON ctem.risk_acceptance_exposure
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
COMMENT ON TRIGGER risk_acceptance_exposure_restore ON ctem.risk_acceptance_exposure IS
	'A restore stores the dumped rows as they are (ctem.restore_statement)';

CREATE FUNCTION ctem.apply_acceptance(id bigint, tenant_id integer DEFAULT 1)
RETURNS integer
AS 'MODULE_PATHNAME', 'ctem_apply_acceptance'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION ctem.apply_acceptance(bigint, integer) IS
	'Applies an acceptance in force again, to the exposures that match it now (new findings are not accepted on their own: docs/mobilization.md); returns the number moved to risk_accepted. As the owner of ctem.risk_acceptance; EXECUTE is not granted to PUBLIC.';

CREATE FUNCTION ctem.expire_acceptances(at timestamptz DEFAULT pg_catalog.now(),
										tenant_id integer DEFAULT NULL)
RETURNS integer
AS 'MODULE_PATHNAME', 'ctem_expire_acceptances'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION ctem.expire_acceptances(timestamptz, integer) IS
	'Ends the acceptances (of tenant_id, or of every tenant when NULL) in force whose expires_at is not after "at": their risk_accepted exposures that no other acceptance in force at "at" covers reopen (history event acceptance_expired, at their current priority). Returns the number of acceptances ended; idempotent. For ctem.run_maintenance and schedulers. As the owner of ctem.risk_acceptance; EXECUTE is not granted to PUBLIC.';

CREATE FUNCTION ctem.revoke_acceptance(id bigint, reason text, actor text DEFAULT NULL,
									   tenant_id integer DEFAULT 1)
RETURNS integer
AS 'MODULE_PATHNAME', 'ctem_revoke_acceptance'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION ctem.revoke_acceptance(bigint, text, text, integer) IS
	'Ends an acceptance in force now, for a reason (required) and by an actor (optional): its risk_accepted exposures that no other acceptance covers reopen (history event acceptance_revoked). Returns the number reopened. As the owner of ctem.risk_acceptance; EXECUTE is not granted to PUBLIC.';
