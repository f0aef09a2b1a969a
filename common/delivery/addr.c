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

static const char *
addr_v6(const unsigned char *b)
{
	static const unsigned char zero[16];
	uint32_t v4;

	if (memcmp(b, zero, 15) == 0 && (b[15] == 0 || b[15] == 1))
		return b[15] ? "a loopback address" : "an unspecified address";
	/* IPv4-mapped ::ffff:a.b.c.d and the NAT64 well-known prefix */
	if ((memcmp(b, zero, 10) == 0 && b[10] == 0xff && b[11] == 0xff) ||
	    (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b &&
	    memcmp(b + 4, zero, 8) == 0)) {
		v4 = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
		    (uint32_t)b[14] << 8 | b[15];
		return addr_v4(v4);
	}
	if (memcmp(b, zero, 12) == 0)
		return "an IPv4-compatible (deprecated) address";
	if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b &&
	    b[4] == 0x00 && b[5] == 0x01)
		return "a local-use NAT64 (64:ff9b:1::/48) address";
	if (b[0] == 0x01 && memcmp(b + 1, zero, 7) == 0)
		return "a discard-only (100::/64) address";
	/* Teredo: the client's IPv4 address, inverted, in the last 32 bits */
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00)
		return addr_v4(~((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
		    (uint32_t)b[14] << 8 | b[15]));
	if ((b[0] & 0xfe) == 0xfc)
		return "a unique local (fc00::/7) address";
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return "a link-local (fe80::/10) address";
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
		return "a site-local (fec0::/10) address";
	if (b[0] == 0xff)
		return "a multicast address";
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
		return "a documentation address";
	if (b[0] == 0x20 && b[1] == 0x02)	/* 6to4 embeds an IPv4 address */
		return addr_v4((uint32_t)b[2] << 24 | (uint32_t)b[3] << 16 |
		    (uint32_t)b[4] << 8 | b[5]);
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
