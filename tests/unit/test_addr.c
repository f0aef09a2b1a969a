/*
 * Unit tests for common/delivery/addr.c, the SSRF guard's address classifier: every
 * special-purpose range is refused, public addresses are not, and IPv6
 * forms that embed an IPv4 address (mapped, NAT64, 6to4) are judged by the
 * address they embed.  addr_refusal() is a pure function of a sockaddr: the
 * addresses are only parsed here, never contacted.  socket(), connect() and
 * getaddrinfo() are replaced below by versions that count and fail, so a
 * classifier that tried to reach or resolve anything fails the last point.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "tap.h"

static int net_calls;

/* Interposed on libc's: this program must never touch the network. */
int
socket(int domain, int type, int protocol)
{
	net_calls++;
	errno = EACCES;
	return -1;
}

int
connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	net_calls++;
	errno = EACCES;
	return -1;
}

int
getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
    struct addrinfo **res)
{
	net_calls++;
	return EAI_FAIL;
}

/* The classifier's verdict on a literal address: NULL means allowed. */
static const char *
refusal(const char *text)
{
	struct sockaddr_in6 s6;
	struct sockaddr_in s4;

	memset(&s4, 0, sizeof(s4));
	memset(&s6, 0, sizeof(s6));
	if (inet_pton(AF_INET, text, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		s4.sin_port = htons(80);
		return addr_refusal((struct sockaddr *)&s4);
	}
	if (inet_pton(AF_INET6, text, &s6.sin6_addr) == 1) {
		s6.sin6_family = AF_INET6;
		s6.sin6_port = htons(80);
		return addr_refusal((struct sockaddr *)&s6);
	}
	tap_fail(__FILE__, __LINE__, "test bug: %s is not an address", text);
	return "unparsable";
}

#define REFUSED(a, why) do {						\
	const char *_w = refusal(a);					\
	if (_w == NULL)							\
		tap_fail(__FILE__, __LINE__, "%s allowed, want refused", a); \
	else if (strstr(_w, why) == NULL)				\
		tap_fail(__FILE__, __LINE__, "%s refused as \"%s\", want \"%s\"", \
		    a, _w, why);					\
} while (0)

#define ALLOWED(a) do {							\
	const char *_w = refusal(a);					\
	if (_w != NULL)							\
		tap_fail(__FILE__, __LINE__, "%s refused as \"%s\", want allowed", \
		    a, _w);						\
} while (0)

static void
test_v4_private_and_special(void)
{
	REFUSED("169.254.169.254", "link-local");	/* cloud metadata */
	REFUSED("169.254.0.1", "link-local");
	REFUSED("10.0.0.1", "private");
	REFUSED("10.255.255.255", "private");
	REFUSED("172.16.0.1", "private");
	REFUSED("172.20.10.5", "private");
	REFUSED("172.31.255.255", "private");
	ALLOWED("172.15.255.255");
	ALLOWED("172.32.0.1");
	REFUSED("192.168.0.1", "private");
	REFUSED("192.168.255.254", "private");
	ALLOWED("192.169.0.1");
	REFUSED("100.64.0.1", "CGNAT");
	REFUSED("100.100.100.200", "CGNAT");
	REFUSED("100.127.255.255", "CGNAT");
	ALLOWED("100.63.255.255");
	ALLOWED("100.128.0.1");
	REFUSED("127.0.0.1", "loopback");
	REFUSED("127.0.0.2", "loopback");
	REFUSED("127.255.255.254", "loopback");
	REFUSED("0.0.0.0", "unspecified");
	REFUSED("0.1.2.3", "unspecified");
	REFUSED("224.0.0.1", "multicast");
	REFUSED("239.255.255.250", "multicast");
	REFUSED("255.255.255.255", "broadcast");
	REFUSED("240.0.0.1", "reserved");
	REFUSED("192.0.0.8", "IETF");
	REFUSED("198.18.0.1", "benchmarking");
	REFUSED("192.0.2.1", "documentation");
}

static void
test_v4_public(void)
{
	ALLOWED("8.8.8.8");
	ALLOWED("1.1.1.1");
	ALLOWED("9.9.9.9");
	ALLOWED("93.184.216.34");
	ALLOWED("11.0.0.1");
	ALLOWED("126.255.255.255");
	ALLOWED("128.0.0.1");
	ALLOWED("169.253.255.255");
	ALLOWED("169.255.0.1");
	ALLOWED("223.255.255.255");
}

static void
test_v6_special(void)
{
	REFUSED("::1", "loopback");
	REFUSED("::", "unspecified");
	REFUSED("fc00::1", "unique local");
	REFUSED("fd12:3456:789a::1", "unique local");
	REFUSED("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "unique local");
	ALLOWED("fbff::1");
	REFUSED("fe80::1", "link-local");
	REFUSED("febf:ffff::1", "link-local");
	REFUSED("fec0::1", "site-local");
	REFUSED("ff00::1", "multicast");
	REFUSED("ff02::1", "multicast");
	REFUSED("ff05::1:3", "multicast");
	REFUSED("2001:db8::1", "documentation");
	REFUSED("::7f00:1", "IPv4-compatible");
}

/* IPv6 forms that carry an IPv4 address are judged by that address. */
static void
test_v6_embedded_v4(void)
{
	REFUSED("::ffff:127.0.0.1", "loopback");
	REFUSED("::ffff:10.0.0.1", "private");
	REFUSED("::ffff:169.254.169.254", "link-local");
	REFUSED("::ffff:192.168.1.1", "private");
	REFUSED("::ffff:0.0.0.0", "unspecified");
	ALLOWED("::ffff:8.8.8.8");
	REFUSED("64:ff9b::a00:1", "private");		/* NAT64 of 10.0.0.1 */
	REFUSED("64:ff9b::7f00:1", "loopback");
	REFUSED("64:ff9b::a9fe:a9fe", "link-local");
	ALLOWED("64:ff9b::808:808");
	REFUSED("2002:a00:1::", "private");		/* 6to4 of 10.0.0.1 */
	REFUSED("2002:7f00:1::1", "loopback");
	REFUSED("2002:c0a8:101::1", "private");
	ALLOWED("2002:808:808::1");
	/* Teredo: the client's address inverted (~10.0.0.1 = f5ff:fffe) */
	REFUSED("2001:0:4136:e378:8000:63bf:f5ff:fffe", "private");
	REFUSED("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback");
	ALLOWED("2001:0:4136:e378:8000:63bf:f7f7:f7f7");	/* 8.8.8.8 */
}

/* Prefixes that are local by definition, whatever follows. */
static void
test_v6_local_prefixes(void)
{
	REFUSED("64:ff9b:1::808:808", "local-use NAT64");
	REFUSED("64:ff9b:1:ffff::1", "local-use NAT64");
	REFUSED("100::1", "discard-only");
	ALLOWED("100:0:0:1::1");
}

static void
test_v6_public(void)
{
	ALLOWED("2001:4860:4860::8888");
	ALLOWED("2606:4700:4700::1111");
	ALLOWED("2a00:1450:4001:80b::200e");
	ALLOWED("2001:db9::1");
	ALLOWED("fe00::1");
}

static void
test_other_families(void)
{
	struct sockaddr sa;
	char buf[64];

	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	CHECK(addr_refusal(&sa) != NULL);
	CHECK(strstr(addr_text(&sa, buf, sizeof(buf)), "family") != NULL);
}

static void
test_text(void)
{
	struct sockaddr_in6 s6;
	struct sockaddr_in s4;
	char buf[64];

	memset(&s4, 0, sizeof(s4));
	memset(&s6, 0, sizeof(s6));
	s4.sin_family = AF_INET;
	inet_pton(AF_INET, "169.254.169.254", &s4.sin_addr);
	CHECK_STR(addr_text((struct sockaddr *)&s4, buf, sizeof(buf)), "169.254.169.254");
	s6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &s6.sin6_addr);
	CHECK_STR(addr_text((struct sockaddr *)&s6, buf, sizeof(buf)), "::ffff:127.0.0.1");
}

/* Runs last: nothing above made a socket, connected or resolved a name. */
static void
test_no_network(void)
{
	CHECK_INT(net_calls, 0);
}

int
main(void)
{

	TAP_RUN(test_v4_private_and_special);
	TAP_RUN(test_v4_public);
	TAP_RUN(test_v6_special);
	TAP_RUN(test_v6_embedded_v4);
	TAP_RUN(test_v6_local_prefixes);
	TAP_RUN(test_v6_public);
	TAP_RUN(test_other_families);
	TAP_RUN(test_text);
	TAP_RUN(test_no_network);
	return tap_done();
}
