/*-------------------------------------------------------------------------
 *
 * keys_core.c
 *		Normalisation of asset natural keys and exposure rule ids.
 *
 * The same asset reported by two tools must land on one row, so keys are
 * reduced to one canonical spelling per kind: blanks trimmed, host names
 * lower-cased, IP addresses in canonical text, repository URLs without
 * ".git", image references without the implicit docker.io/library/ prefix.
 * Nothing here allocates or calls the backend.
 *
 * src/core/keys_core.c
 *
 *-------------------------------------------------------------------------
 */
#include <arpa/inet.h>
#include <string.h>

#include "core/keys_core.h"

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
		c == '\v';
}

static char
lower_ascii(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char) (c + ('a' - 'A')) : c;
}

static char
upper_ascii(char c)
{
	return (c >= 'a' && c <= 'z') ? (char) (c - ('a' - 'A')) : c;
}

static bool
prefix_ci(const char *s, size_t len, const char *prefix)
{
	size_t		n = strlen(prefix);
	size_t		i;

	if (len < n)
		return false;
	for (i = 0; i < n; i++)
		if (lower_ascii(s[i]) != prefix[i])
			return false;
	return true;
}

static bool
contains(const char *s, size_t len, const char *needle)
{
	size_t		n = strlen(needle);
	size_t		i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(s + i, needle, n) == 0)
			return true;
	return false;
}

static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && is_blank((*s)[0]))
	{
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && is_blank((*s)[*len - 1]))
		(*len)--;
}

/*
 * If s is an IPv4 or IPv6 address (IPv6 optionally in brackets), write its
 * canonical text to out and return its length; else return 0.
 */
static size_t
canonical_ip(const char *s, size_t len, char *out, size_t outsize)
{
	char		buf[CTEM_IP_TEXT_MAX];
	unsigned char addr[16];

	if (len >= 2 && s[0] == '[' && s[len - 1] == ']')
	{
		s++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(buf) || outsize < CTEM_IP_TEXT_MAX)
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, addr) == 1)
	{
		if (inet_ntop(AF_INET, addr, out, (socklen_t) outsize) == NULL)
			return 0;
		return strlen(out);
	}
	if (inet_pton(AF_INET6, buf, addr) == 1)
	{
		if (inet_ntop(AF_INET6, addr, out, (socklen_t) outsize) == NULL)
			return 0;
		return strlen(out);
	}
	return 0;
}

/* copy with the first "upto" bytes lower-cased */
static size_t
copy_lower_prefix(const char *s, size_t len, size_t upto, char *out)
{
	size_t		i;

	for (i = 0; i < len; i++)
		out[i] = i < upto ? lower_ascii(s[i]) : s[i];
	return len;
}

/* length of "scheme://authority" in a URL, or of the host part without one */
static size_t
url_authority_end(const char *s, size_t len)
{
	size_t		i = 0;
	const char *sep = NULL;

	for (i = 0; i + 2 < len; i++)
	{
		if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/')
		{
			sep = s + i + 3;
			break;
		}
		if (s[i] == '/')
			break;
	}
	i = sep ? (size_t) (sep - s) : 0;
	while (i < len && s[i] != '/' && s[i] != '?' && s[i] != '#')
		i++;
	return i;
}

size_t
ctem_normalize_key(const char *kind, const char *in, size_t len,
				   char *out, size_t outsize, bool *is_ip)
{
	size_t		n;

	*is_ip = false;
	trim(&in, &len);
	if (len == 0)
	{
		if (outsize > 0)
			out[0] = '\0';
		return 0;
	}

	if (strcmp(kind, "host") == 0 || strcmp(kind, "domain") == 0)
	{
		while (len > 1 && (in[len - 1] == '.' || is_blank(in[len - 1])))
			len--;
		if (strcmp(kind, "host") == 0)
		{
			n = canonical_ip(in, len, out, outsize);
			if (n > 0)
			{
				*is_ip = true;
				return n;
			}
		}
		n = copy_lower_prefix(in, len, len, out);
	}
	else if (strcmp(kind, "web_app") == 0 || strcmp(kind, "api") == 0)
	{
		size_t		auth = url_authority_end(in, len);

		/* "https://Example.COM/" and "https://example.com" are one app */
		while (len > 1 && len == auth + 1 && in[auth] == '/')
		{
			len = auth;
			while (len > 1 && is_blank(in[len - 1]))
				len--;
			auth = url_authority_end(in, len);
		}
		n = copy_lower_prefix(in, len, auth, out);
	}
	else if (strcmp(kind, "repository") == 0)
	{
		size_t		auth;

		for (;;)
		{
			if (len > 1 && (in[len - 1] == '/' || is_blank(in[len - 1])))
				len--;
			else if (len > 4 && prefix_ci(in + len - 4, 4, ".git"))
				len -= 4;
			else
				break;
		}
		auth = url_authority_end(in, len);
		/* scp-like "git@host:org/repo" has no "://": lower-case up to ':' */
		if (memchr(in, ':', len) != NULL && !contains(in, len, "://"))
		{
			const char *colon = memchr(in, ':', len);

			auth = (size_t) (colon - in);
		}
		n = copy_lower_prefix(in, len, auth, out);
	}
	else if (strcmp(kind, "container_image") == 0)
	{
		if (prefix_ci(in, len, "docker.io/library/"))
		{
			in += 18;
			len -= 18;
		}
		else if (prefix_ci(in, len, "index.docker.io/library/"))
		{
			in += 24;
			len -= 24;
		}
		else if (prefix_ci(in, len, "docker.io/"))
		{
			in += 10;
			len -= 10;
		}
		else if (prefix_ci(in, len, "index.docker.io/"))
		{
			in += 16;
			len -= 16;
		}
		memcpy(out, in, len);
		n = len;
	}
	else
	{
		memcpy(out, in, len);
		n = len;
	}
	out[n] = '\0';
	return n;
}

size_t
ctem_canonical_rule_id(const char *in, size_t len, char *out)
{
	size_t		i;

	trim(&in, &len);
	if (prefix_ci(in, len, "cve-"))
	{
		for (i = 0; i < len; i++)
			out[i] = upper_ascii(in[i]);
	}
	else if (prefix_ci(in, len, "ghsa-"))
	{
		memcpy(out, "GHSA-", 5);
		for (i = 5; i < len; i++)
			out[i] = lower_ascii(in[i]);
	}
	else
		memcpy(out, in, len);
	out[len] = '\0';
	return len;
}
