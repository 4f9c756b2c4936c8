/*-------------------------------------------------------------------------
 *
 * identity.c
 *		The identity of an exposure: canonical rule ids and the fingerprint
 *		(ctem.exposure_fingerprint() and the C callers: the exposure trigger
 *		and ctem.ingest).
 *
 * The fingerprint is the first 128 bits of SHA-256 (PostgreSQL's
 * pg_cryptohash: OpenSSL where PostgreSQL was built with it) over
 *		asset_id US kind US canonical rule_id US lower(component) US location
 * (US = 0x1f), so the same problem reported twice, by one tool or several,
 * maps to one row.  The component version is deliberately not part of it:
 * an upgrade that does not fix the problem is the same exposure.
 *
 * src/store/identity.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/cryptohash.h"
#include "common/sha2.h"
#include "utils/builtins.h"
#include "utils/resowner.h"
#include "utils/uuid.h"

#include "compat.h"
#include "common/common.h"
#include "core/keys_core.h"
#include "store/identity.h"

PG_FUNCTION_INFO_V1(ctem_exposure_fingerprint);

pg_noreturn static void hash_failed(void);

#define FIELD_SEP '\x1f'

/* canonical rule id of t as palloc'd text */
text *
ctem_canonical_rule_id_text(text *t)
{
	size_t		len = VARSIZE_ANY_EXHDR(t);
	char	   *out = palloc(len + 1);
	size_t		n = ctem_canonical_rule_id(VARDATA_ANY(t), len, out);

	return cstring_to_text_with_len(out, (int) n);
}

/*
 * The hash context of this backend.  pg_cryptohash ties a context to the
 * resource owner current when it is created, which frees it when that owner
 * is released (at the end of the statement's transaction, or on an error).
 * The context lives for the backend instead, under a resource owner of its
 * own that is never released: created once, initialised again for every
 * fingerprint, so no row pays for a context (with OpenSSL, an EVP_MD_CTX)
 * and no error can leave it freed behind a static pointer.  An error in
 * the middle of a fingerprint leaves nothing to clean: the next one starts
 * with pg_cryptohash_init.
 */
static pg_cryptohash_ctx *hash_ctx = NULL;

static pg_cryptohash_ctx *
fingerprint_hash(void)
{
	if (hash_ctx == NULL)
	{
		static ResourceOwner owner = NULL;
		ResourceOwner save = CurrentResourceOwner;

		if (owner == NULL)
			owner = ResourceOwnerCreate(NULL, "ctem fingerprint hash");
		CurrentResourceOwner = owner;
		hash_ctx = pg_cryptohash_create(PG_SHA256);
		CurrentResourceOwner = save;
		if (hash_ctx == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory")));
	}
	if (pg_cryptohash_init(hash_ctx) < 0)
		hash_failed();
	return hash_ctx;
}

static void
hash_failed(void)
{
	elog(ERROR, "could not compute an exposure fingerprint: %s",
		 pg_cryptohash_error(hash_ctx));
}

static void
hash_update(pg_cryptohash_ctx *ctx, const void *data, size_t len)
{
	if (pg_cryptohash_update(ctx, data, len) < 0)
		hash_failed();
}

/* feed s (len bytes) to the hash, ASCII upper case letters lowered */
static void
hash_update_lower(pg_cryptohash_ctx *ctx, const char *s, int len)
{
	char		chunk[256];

	while (len > 0)
	{
		int			n = Min(len, (int) sizeof(chunk));

		for (int i = 0; i < n; i++)
			chunk[i] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] + ('a' - 'A') : s[i];
		hash_update(ctx, chunk, n);
		s += n;
		len -= n;
	}
}

/*
 * Fingerprint of the given identity fields; rule_id must be canonical
 * already.  component and location may be NULL (pass NULL for empty ones).
 * The identity string is hashed as it is produced, never built in memory.
 */
pg_uuid_t *
ctem_fingerprint(int64 asset_id, const char *kind, text *rule_id,
				 text *component, text *location)
{
	static const char sep = FIELD_SEP;
	pg_cryptohash_ctx *ctx = fingerprint_hash();
	char		num[MAXINT8LEN + 1];
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	pg_uuid_t  *uuid;

	hash_update(ctx, num, pg_lltoa(asset_id, num));
	hash_update(ctx, &sep, 1);
	hash_update(ctx, kind, strlen(kind));
	hash_update(ctx, &sep, 1);
	hash_update(ctx, VARDATA_ANY(rule_id), VARSIZE_ANY_EXHDR(rule_id));
	hash_update(ctx, &sep, 1);
	if (component)
		hash_update_lower(ctx, VARDATA_ANY(component),
						  VARSIZE_ANY_EXHDR(component));
	hash_update(ctx, &sep, 1);
	if (location)
		hash_update(ctx, VARDATA_ANY(location), VARSIZE_ANY_EXHDR(location));
	if (pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
		hash_failed();

	uuid = palloc(sizeof(pg_uuid_t));
	memcpy(uuid->data, digest, UUID_LEN);
	return uuid;
}

/* treat an empty text like NULL */
text *
ctem_nonempty_or_null(text *t)
{
	return (t != NULL && VARSIZE_ANY_EXHDR(t) > 0) ? t : NULL;
}

/*
 * ctem.exposure_fingerprint(asset_id, kind, rule_id, component, location)
 * Not STRICT: component and location may be NULL; NULL asset, kind or rule
 * give NULL.
 */
Datum
ctem_exposure_fingerprint(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	PG_RETURN_UUID_P(ctem_fingerprint(PG_GETARG_INT64(0),
								 ctem_enum_label(PG_GETARG_DATUM(1)),
								 ctem_canonical_rule_id_text(PG_GETARG_TEXT_PP(2)),
								 PG_ARGISNULL(3) ? NULL :
								 ctem_nonempty_or_null(PG_GETARG_TEXT_PP(3)),
								 PG_ARGISNULL(4) ? NULL :
								 ctem_nonempty_or_null(PG_GETARG_TEXT_PP(4))));
}

