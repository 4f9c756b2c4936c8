/*
 * 30_discovery.sql
 *		Discovery: the KEV / EPSS threat-intel catalogue and its loaders;
 *		scanner reports ingested in C (one exposure per real problem across
 *		tools; re-detection merges into the existing row and re-opens fixed
 *		exposures; a full scan resolves what it no longer reports); and the
 *		history of every exposure those changes write (ctem.exposure_event).
 *
 * The re-scoring triggers of ctem.vuln_intel are in 40_prioritization.sql.
 *
 * sql/src/30_discovery.sql
 */

/* ------------------------------------------------------------------------
 * ctem.vuln_intel: a catalogue (reference) table, no tenant
 * ------------------------------------------------------------------------ */

CREATE TABLE ctem.vuln_intel (
	cve_id			text NOT NULL,
	kev				boolean NOT NULL DEFAULT false,
	kev_date_added	date,
	kev_due_date	date,
	kev_ransomware	boolean,
	kev_vendor		text,
	kev_product		text,
	kev_name		text,
	kev_required_action text,
	kev_notes		text,
	kev_cwes		text[],
	kev_catalog_version text,
	epss			double precision,
	epss_percentile double precision,
	epss_model		text,
	epss_date		date,
	updated_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT vuln_intel_pkey PRIMARY KEY (cve_id),
	CONSTRAINT vuln_intel_cve_id_form CHECK (cve_id OPERATOR(pg_catalog.~) '^CVE-[0-9]{4}-[0-9]{4,}$'),
	CONSTRAINT vuln_intel_epss_range CHECK (epss BETWEEN 0 AND 1),
	CONSTRAINT vuln_intel_epss_percentile_range CHECK (epss_percentile BETWEEN 0 AND 1)
);
COMMENT ON TABLE ctem.vuln_intel IS
	'Exploitation intelligence per CVE: CISA KEV membership (ctem.load_kev) and FIRST EPSS scores (ctem.load_epss); a catalogue shared by all tenants';
COMMENT ON COLUMN ctem.vuln_intel.cve_id IS 'CVE id, upper case';
COMMENT ON COLUMN ctem.vuln_intel.kev IS 'Listed in the last loaded CISA Known Exploited Vulnerabilities catalog';
COMMENT ON COLUMN ctem.vuln_intel.kev_date_added IS 'KEV dateAdded';
COMMENT ON COLUMN ctem.vuln_intel.kev_due_date IS 'KEV dueDate: the federal remediation deadline';
COMMENT ON COLUMN ctem.vuln_intel.kev_ransomware IS 'KEV knownRansomwareCampaignUse is "Known"';
COMMENT ON COLUMN ctem.vuln_intel.kev_vendor IS 'KEV vendorProject';
COMMENT ON COLUMN ctem.vuln_intel.kev_product IS 'KEV product';
COMMENT ON COLUMN ctem.vuln_intel.kev_name IS 'KEV vulnerabilityName';
COMMENT ON COLUMN ctem.vuln_intel.kev_required_action IS 'KEV requiredAction';
COMMENT ON COLUMN ctem.vuln_intel.kev_notes IS 'KEV notes';
COMMENT ON COLUMN ctem.vuln_intel.kev_cwes IS 'KEV cwes';
COMMENT ON COLUMN ctem.vuln_intel.kev_catalog_version IS 'catalogVersion of the KEV catalog that last listed the CVE';
COMMENT ON COLUMN ctem.vuln_intel.epss IS 'FIRST EPSS probability of exploitation in the next 30 days (0-1)';
COMMENT ON COLUMN ctem.vuln_intel.epss_percentile IS 'FIRST EPSS percentile (0-1)';
COMMENT ON COLUMN ctem.vuln_intel.epss_model IS 'EPSS model_version of the loaded file';
COMMENT ON COLUMN ctem.vuln_intel.epss_date IS 'EPSS score_date of the loaded file';
COMMENT ON COLUMN ctem.vuln_intel.updated_at IS 'When the row last changed';
COMMENT ON CONSTRAINT vuln_intel_pkey ON ctem.vuln_intel IS 'One row per CVE';
COMMENT ON CONSTRAINT vuln_intel_cve_id_form ON ctem.vuln_intel IS 'cve_id is a CVE id in upper case: CVE-YYYY-NNNN, four or more digits';
COMMENT ON CONSTRAINT vuln_intel_epss_range ON ctem.vuln_intel IS 'epss is a probability, 0 to 1';
COMMENT ON CONSTRAINT vuln_intel_epss_percentile_range ON ctem.vuln_intel IS 'epss_percentile is 0 to 1';

-- "has any KEV catalog been loaded?", asked once per scoring statement
CREATE INDEX vuln_intel_kev_idx ON ctem.vuln_intel (cve_id) WHERE kev;
COMMENT ON INDEX ctem.vuln_intel_kev_idx IS 'The CVEs listed in CISA KEV';

SELECT pg_catalog.pg_extension_config_dump('ctem.vuln_intel', '');
CREATE TRIGGER vuln_intel_restore
	BEFORE INSERT ON ctem.vuln_intel
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
COMMENT ON TRIGGER vuln_intel_restore ON ctem.vuln_intel IS
	'A restore stores the dumped rows as they are (ctem.restore_statement)';

CREATE FUNCTION ctem.load_kev(catalog text,
							  OUT catalog_version text, OUT entries bigint,
							  OUT added bigint, OUT updated bigint,
							  OUT removed bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'ctem_load_kev'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION ctem.load_kev(text) IS
	'Loads a full CISA KEV catalog (JSON) into ctem.vuln_intel: listed CVEs get kev = true and their KEV fields; CVEs no longer listed get kev = false (removed). Returns counts. All or nothing.';

CREATE FUNCTION ctem.load_epss(csv text,
							   OUT model_version text, OUT score_date date,
							   OUT rows_read bigint, OUT inserted bigint,
							   OUT updated bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'ctem_load_epss'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION ctem.load_epss(text) IS
	'Loads a FIRST EPSS CSV (with its #model_version comment line) into ctem.vuln_intel: upserts epss and percentile per CVE. Returns counts. All or nothing.';

/* ------------------------------------------------------------------------
 * Exposure history: ctem.event_actor, ctem.exposure_event and the history
 * triggers of ctem.exposure (src/mobilize/history.c)
 * ------------------------------------------------------------------------ */

CREATE FUNCTION ctem.event_actor()
RETURNS text
AS 'MODULE_PATHNAME', 'ctem_event_actor'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION ctem.event_actor() IS
	'The role that made a change: current_user outside ctem''s re-scoring triggers (which run as the extension owner); the default of ctem.exposure_event.actor';

CREATE TABLE ctem.exposure_event (
	tenant_id		integer NOT NULL DEFAULT 1,
	id				bigint GENERATED BY DEFAULT AS IDENTITY,
	exposure_id		bigint NOT NULL,
	at				timestamptz NOT NULL DEFAULT pg_catalog.now(),
	event			text NOT NULL,
	old_status		ctem.exposure_status,
	new_status		ctem.exposure_status,
	old_priority	ctem.priority,
	new_priority	ctem.priority,
	actor			text NOT NULL DEFAULT ctem.event_actor(),
	note			text,
	CONSTRAINT exposure_event_pkey PRIMARY KEY (tenant_id, id),
	CONSTRAINT exposure_event_exposure_fk FOREIGN KEY (tenant_id, exposure_id)
		REFERENCES ctem.exposure (tenant_id, id) ON DELETE CASCADE,
	CONSTRAINT exposure_event_kind CHECK (event IN
		('reopened', 'resolved', 'status_changed', 'priority_changed'))
);
COMMENT ON TABLE ctem.exposure_event IS
	'History of every exposure: status changes (reopened when a fixed exposure is detected again, resolved when it closes) and priority changes, written by a trigger';
COMMENT ON COLUMN ctem.exposure_event.tenant_id IS 'Tenant of the exposure';
COMMENT ON COLUMN ctem.exposure_event.id IS 'Event id, increasing';
COMMENT ON COLUMN ctem.exposure_event.exposure_id IS 'The exposure';
COMMENT ON COLUMN ctem.exposure_event.at IS 'When (transaction start time)';
COMMENT ON COLUMN ctem.exposure_event.event IS 'reopened, resolved, status_changed or priority_changed';
COMMENT ON COLUMN ctem.exposure_event.old_status IS 'Status before';
COMMENT ON COLUMN ctem.exposure_event.new_status IS 'Status after';
COMMENT ON COLUMN ctem.exposure_event.old_priority IS 'Priority before';
COMMENT ON COLUMN ctem.exposure_event.new_priority IS 'Priority after';
COMMENT ON COLUMN ctem.exposure_event.actor IS
	'Database role whose statement made the change (also when ctem''s re-scoring triggers carried it out)';
COMMENT ON COLUMN ctem.exposure_event.note IS 'Why, when known (e.g. the scan that re-detected or missed it)';
COMMENT ON CONSTRAINT exposure_event_pkey ON ctem.exposure_event IS
	'Tenant first, as in every key of a tenant table, so that the table distributes by tenant';
COMMENT ON CONSTRAINT exposure_event_exposure_fk ON ctem.exposure_event IS
	'An event belongs to an exposure of the same tenant; the history is deleted with the exposure';
COMMENT ON CONSTRAINT exposure_event_kind ON ctem.exposure_event IS
	'event is reopened, resolved, status_changed or priority_changed';
COMMENT ON SEQUENCE ctem.exposure_event_id_seq IS 'Identity sequence of ctem.exposure_event.id';

CREATE INDEX exposure_event_exposure_idx ON ctem.exposure_event (tenant_id, exposure_id, at);
COMMENT ON INDEX ctem.exposure_event_exposure_idx IS 'History of an exposure in time order';

SELECT pg_catalog.pg_extension_config_dump('ctem.exposure_event', '');
SELECT pg_catalog.pg_extension_config_dump('ctem.exposure_event_id_seq', '');
CREATE TRIGGER exposure_event_restore
	BEFORE INSERT ON ctem.exposure_event
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
COMMENT ON TRIGGER exposure_event_restore ON ctem.exposure_event IS
	'A restore stores the dumped rows as they are (ctem.restore_statement)';

-- The history is written set-based (src/mobilize/history.c): the row trigger
-- notes each change of status or priority, the statement trigger writes the
-- statement's events with one INSERT per 10,000.  A restore loads
-- ctem.exposure_event before it sets the identity sequence (pg_dump sets
-- sequences after all table data); a restore writes no event itself (it
-- runs in replica mode, see ctem.restore_statement), but rows loaded
-- without their sequence (a data-only restore of some tables) can leave the
-- sequence behind them.  So when the sequence's next
-- value is not above a tenant's highest id (one backward step of the
-- primary key), the sequence is moved past it first.  The events are
-- written as the table's owner: the history is written for every change,
-- and nobody needs (or should have) INSERT on ctem.exposure_event to make
-- one.  EXECUTE on both functions is revoked in 90_grants.sql.
CREATE FUNCTION ctem.exposure_history_row()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ctem_exposure_history_row'
LANGUAGE C;
COMMENT ON FUNCTION ctem.exposure_history_row() IS
	'AFTER UPDATE row trigger of ctem.exposure (only for rows whose status or priority changed): notes the event for ctem.exposure_history_flush() to write';
CREATE TRIGGER exposure_history
	AFTER UPDATE ON ctem.exposure
	FOR EACH ROW
	WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.priority IS DISTINCT FROM NEW.priority)
	EXECUTE FUNCTION ctem.exposure_history_row();
COMMENT ON TRIGGER exposure_history ON ctem.exposure IS
	'Notes status and priority changes for the statement trigger exposure_history_flush to write into ctem.exposure_event';

CREATE FUNCTION ctem.exposure_history_flush()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ctem_exposure_history_flush'
LANGUAGE C;
COMMENT ON FUNCTION ctem.exposure_history_flush() IS
	'AFTER UPDATE statement trigger of ctem.exposure: writes the events its statement''s row triggers noted into ctem.exposure_event (one INSERT per 10,000), with the next ids of its sequence or, after a restore loaded higher ids, the ids after them; as the table''s owner';
CREATE TRIGGER exposure_history_flush
	AFTER UPDATE ON ctem.exposure
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.exposure_history_flush();
COMMENT ON TRIGGER exposure_history_flush ON ctem.exposure IS
	'Writes the status and priority changes the row trigger exposure_history noted, set-based, once per statement';

/* ------------------------------------------------------------------------
 * Re-detection merge
 * ------------------------------------------------------------------------ */

-- used by the merge of a re-detected problem into its existing row (the
-- trigger exposure_before_row and ctem.ingest; src/discover/exposure.h)
CREATE FUNCTION ctem.array_union(a text[], b text[])
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT COALESCE(pg_catalog.array_agg(DISTINCT x ORDER BY x), '{}')
	FROM pg_catalog.unnest(COALESCE(a, '{}') OPERATOR(pg_catalog.||) COALESCE(b, '{}')) AS x
	WHERE x IS NOT NULL AND x OPERATOR(pg_catalog.<>) ''
$$;
COMMENT ON FUNCTION ctem.array_union(text[], text[]) IS
	'Sorted union of two text arrays without NULL, empty or duplicate elements (how sources and aliases merge)';

/* ------------------------------------------------------------------------
 * Report ingest (C)
 * ------------------------------------------------------------------------ */

CREATE TYPE ctem.ingest_result AS (
	format			text,
	assets_created	bigint,
	findings		bigint,
	inserted		bigint,
	updated			bigint,
	reopened		bigint,
	resolved		bigint
);
COMMENT ON TYPE ctem.ingest_result IS
	'Result of ctem.ingest: detected format; assets created; findings in the report; exposures inserted; existing exposures seen again (updated, not counting reopened ones); fixed exposures reopened; exposures resolved because a full scan no longer reports them';

CREATE FUNCTION ctem.ingest(report text, format text DEFAULT NULL,
							asset_id bigint DEFAULT NULL,
							full_scan boolean DEFAULT true)
RETURNS ctem.ingest_result
AS 'MODULE_PATHNAME', 'ctem_ingest'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION ctem.ingest(text, text, bigint, boolean) IS
	'Ingests a scanner report (format NULL = auto-detect; see ctem.report_formats()) into tenant 1: assets found by natural key or created (or every finding put on asset_id), one exposure per real problem across tools, re-detection updates last_seen and reopens fixed exposures; with full_scan, open exposures of the scanned assets that the same tool no longer reports lose that source and, with no source left, are resolved. All or nothing.';

CREATE FUNCTION ctem.ingest(report text, format text, asset_id bigint,
							full_scan boolean, tenant_id integer)
RETURNS ctem.ingest_result
AS 'MODULE_PATHNAME', 'ctem_ingest'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION ctem.ingest(text, text, bigint, boolean, integer) IS
	'ctem.ingest into the given tenant';

CREATE FUNCTION ctem.report_formats(OUT format text)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'ctem_report_formats'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ctem.report_formats() IS
	'Names of the report formats ctem.ingest accepts';
