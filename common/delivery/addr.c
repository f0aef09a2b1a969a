/*
 * The address classifier behind the SSRF guard.  It is handed the address
 * curl is about to connect to, after resolution, so a name that resolves to
 * a private address is refused like the address itself.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

struct v4net {
	uint32_t	 net;
	int		 bits;
	const char	*why;
};

static const struct v4net v4_refused[] = {
	{ 0x00000000, 8, "an unspecified (0.0.0.0/8) address" },
	{ 0x0a000000, 8, "a private (10.0.0.0/8) address" },
	{ 0x64400000, 10, "a shared CGNAT (100.64.0.0/10) address" },
	{ 0x7f000000, 8, "a loopback address" },
	{ 0xa9fe0000, 16, "a link-local (169.254.0.0/16) address" },
	{ 0xac100000, 12, "a private (172.16.0.0/12) address" },
	{ 0xc0000000, 24, "an IETF protocol (192.0.0.0/24) address" },
	{ 0xc0000200, 24, "a documentation address" },
	{ 0xc0a80000, 16, "a private (192.168.0.0/16) address" },
	{ 0xc6120000, 15, "a benchmarking (198.18.0.0/15) address" },
	{ 0xc6336400, 24, "a documentation address" },
	{ 0xcb007100, 24, "a documentation address" },
	{ 0xe0000000, 4, "a multicast address" },
	{ 0xf0000000, 4, "a reserved (240.0.0.0/4) or broadcast address" },
};

static const char *
addr_v4(uint32_t a)
{
	size_t i;
	uint32_t mask;

	for (i = 0; i < sizeof(v4_refused) / sizeof(v4_refused[0]); i++) {
		mask = v4_refused[i].bits ? ~0u << (32 - v4_refused[i].bits) : 0;
		if ((a & mask) == v4_refused[i].net)
			return v4_refused[i].why;
	}
	return NULL;
}

/* Where an IPv6 range carries an IPv4 address that decides instead. */
enum v6_embed {
	V6_REFUSE = 0,		/* refused as it is */
	V6_LAST32,		/* the last 32 bits (IPv4-mapped, NAT64) */
	V6_TEREDO,		/* the last 32 bits, inverted (Teredo) */
	V6_6TO4			/* bits 16-47 (6to4) */
};

struct v6net {
	unsigned char	 net[16];
	int		 bits;
	enum v6_embed	 embed;
	const char	*why;
};

/* The first entry that matches decides, so narrower ranges come first. */
static const struct v6net v6_refused[] = {
	{ { 0 }, 128, V6_REFUSE, "an unspecified address" },
	{ { [15] = 1 }, 128, V6_REFUSE, "a loopback address" },
	{ { [10] = 0xff, [11] = 0xff }, 96, V6_LAST32, NULL },
	{ { 0x00, 0x64, 0xff, 0x9b }, 96, V6_LAST32, NULL },
	{ { 0 }, 96, V6_REFUSE, "an IPv4-compatible (deprecated) address" },
	{ { 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01 }, 48, V6_REFUSE,
	    "a local-use NAT64 (64:ff9b:1::/48) address" },
	{ { 0x01 }, 64, V6_REFUSE, "a discard-only (100::/64) address" },
	{ { 0x20, 0x01, 0x00, 0x00 }, 32, V6_TEREDO, NULL },
	{ { 0xfc }, 7, V6_REFUSE, "a unique local (fc00::/7) address" },
	{ { 0xfe, 0x80 }, 10, V6_REFUSE, "a link-local (fe80::/10) address" },
	{ { 0xfe, 0xc0 }, 10, V6_REFUSE, "a site-local (fec0::/10) address" },
	{ { 0xff }, 8, V6_REFUSE, "a multicast address" },
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32, V6_REFUSE, "a documentation address" },
	{ { 0x20, 0x02 }, 16, V6_6TO4, NULL },
};

static int
v6_in(const unsigned char *b, const struct v6net *n)
{
	int whole = n->bits / 8, rest = n->bits % 8;
	unsigned char mask;

	if (memcmp(b, n->net, (size_t)whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (b[whole] & mask) == n->net[whole];
}

static uint32_t
v6_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static const char *
addr_v6(const unsigned char *b)
{
	const struct v6net *n;
	size_t i;

	for (i = 0; i < sizeof(v6_refused) / sizeof(v6_refused[0]); i++) {
		n = &v6_refused[i];
		if (!v6_in(b, n))
			continue;
		switch (n->embed) {
		case V6_LAST32:
			return addr_v4(v6_be32(b + 12));
		case V6_TEREDO:
			return addr_v4(~v6_be32(b + 12));
		case V6_6TO4:
			return addr_v4(v6_be32(b + 2));
		case V6_REFUSE:
			return n->why;
		}
	}
	return NULL;
}

const char *
addr_refusal(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return addr_v4(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
	if (sa->sa_family == AF_INET6)
		return addr_v6(((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr);
	return "not an internet address";
}

const char *
addr_text(const struct sockaddr *sa, char *buf, size_t n)
{
	const void *p;

	if (sa->sa_family == AF_INET)
		p = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		p = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	else {
		snprintf(buf, n, "(family %d)", sa->sa_family);
		return buf;
	}
	if (inet_ntop(sa->sa_family, p, buf, (socklen_t)n) == NULL)
		snprintf(buf, n, "(unprintable)");
	return buf;
}
