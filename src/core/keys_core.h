/*-------------------------------------------------------------------------
 *
 * keys_core.h
 *		Normalisation of asset natural keys and exposure rule ids.
 *
 * Pure C (no backend calls) so that the fuzz harness links it alone.
 *
 * src/core/keys_core.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_KEYS_CORE_H
#define CTEM_KEYS_CORE_H

#include <stdbool.h>
#include <stddef.h>

/* largest canonical IP text (IPv6 with embedded IPv4) plus NUL */
#define CTEM_IP_TEXT_MAX 64

/*
 * Normalise the natural key "in" (len bytes, not necessarily NUL-terminated)
 * of an asset of kind "kind" (a ctem.asset_kind label) into "out", which must
 * have room for len + 1 bytes (the result is never longer than the input,
 * except an IP address, whose canonical text fits CTEM_IP_TEXT_MAX).
 * Returns the length written.  *is_ip is set when the key is an IP address.
 */
extern size_t ctem_normalize_key(const char *kind, const char *in, size_t len,
								 char *out, size_t outsize, bool *is_ip);

/*
 * Canonical rule id: blanks trimmed, "cve-" ids upper-cased, "ghsa-" ids
 * written GHSA- followed by the lower-cased rest.  "out" needs len + 1 bytes.
 */
extern size_t ctem_canonical_rule_id(const char *in, size_t len, char *out);

#endif							/* CTEM_KEYS_CORE_H */
