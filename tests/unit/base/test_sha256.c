/* Unit tests for SHA-256: the FIPS 180-2 appendix B examples and the NIST
 * long-message vector, the same digest whatever the chunking, and files. */
#include "base/ll_sha256.h"
#include "ll_test.h"

#include <stdlib.h>
#include <unistd.h>

static void test_fips_vectors(void)
{
	char hex[LL_SHA256_HEX_LEN];
	ll_sha256_buf_hex("abc", 3, hex);
	LL_CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ll_sha256_buf_hex("", 0, hex);
	LL_CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* 448 bits: the padding no longer fits the first block */
	const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	ll_sha256_buf_hex(m448, strlen(m448), hex);
	LL_CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
			   "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	ll_sha256_buf_hex(m896, strlen(m896), hex);
	LL_CHECK_STR(hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

/* a million 'a's, fed in pieces of every size 1..97 in turn: the buffered
 * path, block boundaries and the 64-bit length */
static void test_million_a_chunked(void)
{
	enum { N = 1000000 };
	char *a = malloc(N);
	LL_CHECK(a != NULL);
	if (!a)
		return;
	memset(a, 'a', N);
	ll_sha256 c;
	uint8_t d[LL_SHA256_LEN];
	char hex[LL_SHA256_HEX_LEN], one[LL_SHA256_HEX_LEN];
	ll_sha256_init(&c);
	size_t off = 0, k = 1;
	while (off < N) {
		size_t take = k < N - off ? k : N - off;
		ll_sha256_update(&c, a + off, take);
		off += take;
		k = k % 97 + 1;
	}
	ll_sha256_final(&c, d);
	ll_sha256_hex(d, hex);
	LL_CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	ll_sha256_buf_hex(a, N, one);
	LL_CHECK_STR(one, hex);
	free(a);
}

/* lengths around the padding edges (55, 56, 63, 64, 65 bytes) agree byte
 * by byte and in one call, and n 'a's hash as sha256sum says (coreutils,
 * an independent implementation): 55 bytes is the longest tail whose
 * length still fits its block, 56 the shortest that needs another */
static void test_padding_edges(void)
{
	static const struct {
		size_t n;
		const char *hex;
	} known[] = {
		{55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
		{56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
		{63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
		{64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
		{119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
		{120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
	};
	char as[128];
	memset(as, 'a', sizeof as);
	for (size_t j = 0; j < sizeof known / sizeof known[0]; j++) {
		char hex[LL_SHA256_HEX_LEN];
		ll_sha256_buf_hex(as, known[j].n, hex);
		LL_CHECK_MSG(!strcmp(hex, known[j].hex), "%zu a's: %s", known[j].n, hex);
	}
	static const size_t lens[] = {55, 56, 57, 63, 64, 65, 119, 120, 128};
	char msg[128];
	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (char)('A' + i % 26);
	for (size_t j = 0; j < sizeof lens / sizeof lens[0]; j++) {
		char a[LL_SHA256_HEX_LEN], b[LL_SHA256_HEX_LEN];
		uint8_t d[LL_SHA256_LEN];
		ll_sha256 c;
		ll_sha256_init(&c);
		for (size_t i = 0; i < lens[j]; i++)
			ll_sha256_update(&c, msg + i, 1);
		ll_sha256_final(&c, d);
		ll_sha256_hex(d, a);
		ll_sha256_buf_hex(msg, lens[j], b);
		LL_CHECK_STR(a, b);
	}
}

static void test_file(void)
{
	char path[] = "/tmp/ll_sha256_XXXXXX";
	int fd = mkstemp(path);
	LL_CHECK(fd >= 0);
	if (fd < 0)
		return;
	LL_CHECK(write(fd, "abc", 3) == 3);
	close(fd);
	char hex[LL_SHA256_HEX_LEN];
	ll_err e;
	ll_err_clear(&e);
	LL_CHECK_INT(ll_sha256_file(path, hex, &e), LL_OK);
	LL_CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	unlink(path);
	LL_CHECK_INT(ll_sha256_file(path, hex, &e), LL_EIO);
	LL_CHECK_CONTAINS(e.msg, path);
	LL_CHECK_STR(hex, "");
}

int main(void)
{
	LL_RUN(test_fips_vectors);
	LL_RUN(test_million_a_chunked);
	LL_RUN(test_padding_edges);
	LL_RUN(test_file);
	return ll_test_done();
}
