/* Frames: layout, checksums after every patch (checked against a checksum
 * computed independently here), and parsing back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "traffic/flow.h"
#include "traffic/frame.h"
#include "traffic/traffic.h"

/* An independent RFC 1071 checksum: 32-bit accumulation of big-endian
 * words, folded at the end, inverted. */
static uint16_t ref_checksum(const uint8_t *p, size_t n, uint32_t extra)
{
    uint64_t sum = extra;

    for (size_t i = 0; i < n; i++)
        sum += (i % 2) ? p[i] : (uint64_t)p[i] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Verifies IPv4 and L4 checksums the way a receiving kernel does: the sum
 * over the data with the checksum field in place is 0 (i.e. ~0). */
static void assert_checksums_ok(const struct frame *f)
{
    const uint8_t *ip = f->buf + 14;
    size_t l4_len = f->len - 34;
    uint32_t pseudo = 0;

    assert_int_equal(ref_checksum(ip, 20, 0), 0);
    for (int i = 12; i < 20; i += 2)
        pseudo += (uint32_t)(ip[i] << 8 | ip[i + 1]);
    pseudo += ip[9] + (uint32_t)l4_len;
    assert_int_equal(ref_checksum(f->buf + 34, l4_len, pseudo), 0);
}

static struct frame_spec spec(size_t size, enum frame_proto proto)
{
    struct frame_spec s = {
        .src_mac = { 0x02, 0, 0, 0, 0, 1 },
        .dst_mac = { 0x02, 0, 0, 0, 0, 2 },
        .src_port = 40000, .dst_port = 5001,
        .size = size, .proto = proto, .run = 0xabcdef,
    };
    inet_pton(AF_INET, "198.18.0.1", &s.src_ip);
    inet_pton(AF_INET, "198.18.0.2", &s.dst_ip);
    return s;
}

static void test_frame__udp_layout(void **state)
{
    struct frame f;
    struct frame_spec s = spec(60, FRAME_UDP);
    (void)state;

    assert_int_equal(frame_init(&f, &s), 0);
    assert_int_equal(f.len, 60);
    assert_memory_equal(f.buf, s.dst_mac, 6);           /* unicast */
    assert_memory_equal(f.buf + 6, s.src_mac, 6);
    assert_int_equal(f.buf[12] << 8 | f.buf[13], 0x0800);
    assert_int_equal(f.buf[14], 0x45);
    assert_int_equal(f.buf[23], 17);
    assert_int_equal(f.buf[16] << 8 | f.buf[17], 46);   /* IP length */
    assert_int_equal(f.buf[38] << 8 | f.buf[39], 26);   /* UDP length */
    assert_checksums_ok(&f);
}

static void test_frame__patch_keeps_checksums(void **state)
{
    static const size_t sizes[] = { 60, 64, 128, 1514, 61, 999 };
    struct flow_pattern scan = { FLOW_SCAN, 0 }, many = { FLOW_N, 100000 };
    (void)state;

    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        for (int proto = 0; proto < 2; proto++) {
            struct frame f;
            struct frame_spec s = spec(proto ? sizes[k] + 12 : sizes[k],
                                       (enum frame_proto)proto);
            if (s.size > FRAME_MAX)
                s.size = FRAME_MAX;
            assert_int_equal(frame_init(&f, &s), 0);
            for (uint64_t i = 0; i < 70000; i += 997) {
                uint16_t sp, dp;
                flow_ports(i % 2 ? &scan : &many, i, &sp, &dp);
                frame_patch(&f, i, 0x123456789abcdefULL + i * 7919, sp, dp);
                assert_checksums_ok(&f);
                uint64_t seq, ts;
                assert_true(frame_parse(f.buf, f.len, 0xabcdef, &seq, &ts));
                assert_int_equal(seq, i);
                assert_true(ts == 0x123456789abcdefULL + i * 7919);
            }
            frame_set_run(&f, 0x1234);
            assert_checksums_ok(&f);
            uint64_t seq, ts;
            assert_false(frame_parse(f.buf, f.len, 0xabcdef, &seq, &ts));
            assert_true(frame_parse(f.buf, f.len, 0x1234, &seq, &ts));
        }
    }
}

static void test_frame__sizes(void **state)
{
    struct frame f;
    struct frame_spec s = spec(59, FRAME_UDP);
    (void)state;

    assert_int_equal(frame_init(&f, &s), -EINVAL);
    s.size = 1515;
    assert_int_equal(frame_init(&f, &s), -EINVAL);
    s = spec(71, FRAME_TCP_SYN);
    assert_int_equal(frame_init(&f, &s), -EINVAL);
    s.size = FRAME_MIN_TCP;
    assert_int_equal(frame_init(&f, &s), 0);
    assert_int_equal(f.buf[47], 0x02);                  /* SYN */
    assert_checksums_ok(&f);
}

static void test_frame__parse_rejects(void **state)
{
    struct frame f;
    struct frame_spec s = spec(60, FRAME_UDP);
    uint64_t seq, ts;
    (void)state;

    frame_init(&f, &s);
    assert_false(frame_parse(f.buf, 40, 0xabcdef, &seq, &ts));
    f.buf[12] = 0x86;                                   /* not IPv4 */
    assert_false(frame_parse(f.buf, f.len, 0xabcdef, &seq, &ts));
    f.buf[12] = 0x08;
    f.buf[42] ^= 0xff;                                  /* magic */
    assert_false(frame_parse(f.buf, f.len, 0xabcdef, &seq, &ts));
}

static void test_frame__flow_patterns(void **state)
{
    struct flow_pattern fp;
    struct strbuf err = STRBUF_INIT;
    uint16_t sp, dp;
    (void)state;

    assert_int_equal(flow_parse("scan", &fp, &err), 0);
    flow_ports(&fp, 0, &sp, &dp);
    assert_int_equal(dp, 1);
    assert_int_equal(sp, FLOW_SRC_PORT);
    flow_ports(&fp, 64999, &sp, &dp);
    assert_int_equal(dp, 65000);
    assert_int_equal(flow_parse("single", &fp, &err), 0);
    flow_ports(&fp, 12345, &sp, &dp);
    assert_int_equal(dp, FLOW_DST_PORT);
    assert_int_equal(flow_parse("flows:3", &fp, &err), 0);
    uint16_t first_sp;
    flow_ports(&fp, 0, &first_sp, &dp);
    flow_ports(&fp, 3, &sp, &dp);
    assert_int_equal(sp, first_sp);                     /* round robin */
    flow_ports(&fp, 1, &sp, &dp);
    assert_int_not_equal(sp, first_sp);
    assert_int_equal(flow_parse("flows", &fp, &err), -EINVAL);
    assert_non_null(strstr(err.buf, "single, scan or flows:N"));
    strbuf_dispose(&err);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

/* Every trial of a run tags its frames apart: a frame of trial 1 that
 * arrives late is not one of trial 2049's (the tag once held 11 bits of
 * the trial number and repeated after 2048 trials). */
static void test_frame__trial_tags_unique_in_a_run(void **state)
{
    static const uint32_t runs[] = { 0, 1, 0x12345, 0xfffff };
    const size_t n = 200000;
    uint32_t *tags = malloc(n * sizeof *tags);

    for (size_t r = 0; r < sizeof runs / sizeof *runs; r++) {
        uint32_t first = traffic_trial_tag(runs[r], 1);
        struct frame f;
        struct frame_spec s = spec(60, FRAME_UDP);
        uint64_t seq, ts;

        s.run = first;
        assert_int_equal(frame_init(&f, &s), 0);
        frame_patch(&f, 7, 1000, 40000, 5001);
        assert_true(frame_parse(f.buf, f.len, first, &seq, &ts));
        assert_false(frame_parse(f.buf, f.len, traffic_trial_tag(runs[r], 2049),
                                 &seq, &ts));
        /* A long soak: a tag a trial, none repeated, none 0. */
        for (uint32_t trial = 1; trial <= n; trial++) {
            tags[trial - 1] = traffic_trial_tag(runs[r], trial);
            assert_int_not_equal(tags[trial - 1], 0);
        }
        qsort(tags, n, sizeof *tags, cmp_u32);
        for (size_t i = 1; i < n; i++)
            assert_int_not_equal(tags[i], tags[i - 1]);
    }
    free(tags);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame__udp_layout),
        cmocka_unit_test(test_frame__patch_keeps_checksums),
        cmocka_unit_test(test_frame__sizes),
        cmocka_unit_test(test_frame__parse_rejects),
        cmocka_unit_test(test_frame__flow_patterns),
        cmocka_unit_test(test_frame__trial_tags_unique_in_a_run),
    };
    return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
