/* Injector backends: the table the injector picks from, and what each
 * backend does in memory (the ring's slots on a fake ring, the socket's
 * buffers), without a network namespace.  The backends' files are
 * included to reach their state; their ops then come from here, not from
 * the library. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "traffic/injector_ring.c"
#include "traffic/injector_socket.c"

#define FRAME_LEN 60

/* A ring in plain memory: every slot free (TP_STATUS_AVAILABLE is 0). */
static struct txring *fake_ring(bool vnet, unsigned head)
{
    struct txring *r = xcalloc(1, sizeof *r);

    r->fd = -1;
    r->map = xcalloc(1, RING_BYTES);
    r->vnet = vnet;
    r->head = head;
    return r;
}

static void fake_ring_free(struct txring *r)
{
    free(r->map);
    free(r);
}

static struct tpacket2_hdr *slot_at(struct txring *r, unsigned abs)
{
    return (struct tpacket2_hdr *)(r->map + (size_t)abs * RING_FRAME_SIZE);
}

static void test_injector__table_rows_complete(void **state)
{
    size_t n = 0;

    for (; injector_backends[n]; n++) {
        const struct injector_backend_ops *b = injector_backends[n];

        assert_non_null(b->name);
        assert_true(b->name[0]);
        assert_non_null(b->help);
        assert_true(b->help[0]);
        assert_non_null(b->open);
        assert_non_null(b->stage);
        assert_non_null(b->send);
        assert_non_null(b->close);      /* finish may be NULL */
        assert_true(n < 16);            /* the NULL at the end is there */
    }
    assert_true(n >= 2);
}

static void test_injector__names_unique(void **state)
{
    for (size_t i = 0; injector_backends[i]; i++)
        for (size_t j = i + 1; injector_backends[j]; j++)
            assert_string_not_equal(injector_backends[i]->name,
                                    injector_backends[j]->name);
}

/* The order is the fallback: the ring when the kernel gives one, the
 * socket, which never refuses, last. */
static void test_injector__ring_first_socket_last(void **state)
{
    size_t n = 0;

    while (injector_backends[n])
        n++;
    assert_ptr_equal(injector_backends[0], &injector_ring_ops);
    assert_ptr_equal(injector_backends[n - 1], &injector_socket_ops);
}

/* A virtio_net_hdr before each frame, hdr_len the whole frame; staged
 * frames follow the head around the end of the ring. */
static void test_injector__ring_stage_vnet_wraps(void **state)
{
    struct txring *r = fake_ring(true, RING_FRAMES - 1);
    struct strbuf err = STRBUF_INIT;
    uint8_t *dst[3];

    assert_int_equal(ring_stage(r, 3, FRAME_LEN, dst, &err), 0);
    assert_int_equal(err.len, 0);
    for (unsigned i = 0; i < 3; i++) {
        struct tpacket2_hdr *h = slot_at(r, (RING_FRAMES - 1 + i)
                                            % RING_FRAMES);
        struct virtio_net_hdr vh;

        memcpy(&vh, (uint8_t *)h + RING_DATA, sizeof vh);
        assert_ptr_equal(dst[i], (uint8_t *)h + RING_DATA + sizeof vh);
        assert_int_equal(h->tp_len, FRAME_LEN + sizeof vh);
        assert_int_equal(le16toh(vh.hdr_len), FRAME_LEN);
        assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
        assert_int_equal(h->tp_status, TP_STATUS_AVAILABLE);  /* unmarked */
    }
    fake_ring_free(r);
}

static void test_injector__ring_stage_plain(void **state)
{
    struct txring *r = fake_ring(false, 5);
    struct strbuf err = STRBUF_INIT;
    uint8_t *dst[1];

    assert_int_equal(ring_stage(r, 1, FRAME_LEN, dst, &err), 0);
    assert_ptr_equal(dst[0], (uint8_t *)slot_at(r, 5) + RING_DATA);
    assert_int_equal(slot_at(r, 5)->tp_len, FRAME_LEN);
    fake_ring_free(r);
}

/* A slot whose skb is never freed: the stage gives up after the wait
 * (a second) with the old message, and marks nothing. */
static void test_injector__ring_stage_busy_slot_fails(void **state)
{
    struct txring *r = fake_ring(true, 0);
    struct strbuf err = STRBUF_INIT;
    uint8_t *dst[3];

    slot_at(r, 1)->tp_status = TP_STATUS_SENDING;
    assert_int_equal(ring_stage(r, 3, FRAME_LEN, dst, &err), -ETIMEDOUT);
    assert_string_equal(err.buf, "TX ring slot still in flight after "
                                 "1000 ms");
    assert_int_equal(slot_at(r, 0)->tp_status, TP_STATUS_AVAILABLE);
    strbuf_dispose(&err);
    fake_ring_free(r);
}

/* The kernel leaves the first slot it could not send marked. */
static void test_injector__ring_taken(void **state)
{
    struct txring *r = fake_ring(true, 10);

    set_status(r, 0, 4, TP_STATUS_SEND_REQUEST);
    assert_int_equal(ring_taken(r, 0, 4), 0);
    slot_at(r, 10)->tp_status = TP_STATUS_AVAILABLE;
    slot_at(r, 11)->tp_status = TP_STATUS_SENDING;  /* taken, in flight */
    assert_int_equal(ring_taken(r, 0, 4), 2);
    assert_int_equal(ring_taken(r, 1, 4), 1);
    set_status(r, 2, 4, TP_STATUS_AVAILABLE);
    assert_int_equal(ring_taken(r, 0, 4), 4);
    slot_at(r, 12)->tp_status = TP_STATUS_WRONG_FORMAT;
    assert_int_equal(ring_taken(r, 0, 4), -EINVAL);
    fake_ring_free(r);
}

/* What was not sent is unmarked; the head moves past what was. */
static void test_injector__ring_finish(void **state)
{
    struct txring *r = fake_ring(true, RING_FRAMES - 1);

    set_status(r, 0, 5, TP_STATUS_SEND_REQUEST);
    ring_finish(r, 2, 5);
    assert_int_equal(r->head, 1);
    for (unsigned i = 1; i < 4; i++)
        assert_int_equal(slot_at(r, i)->tp_status, TP_STATUS_AVAILABLE);
    ring_finish(r, 0, 0);
    assert_int_equal(r->head, 1);
    fake_ring_free(r);
}

/* Frames go in the socket's own buffers; a send that fails for another
 * reason than a full queue is a negative errno. */
static void test_injector__socket_stage_and_error(void **state)
{
    pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
    struct strbuf err = STRBUF_INIT;
    struct txsock *s;
    void *st = NULL;
    uint8_t *dst[3];

    assert_non_null(p);
    assert_int_equal(sock_open("", "none", p, &st, &err), 0);
    s = st;
    s->fd = -1;
    assert_int_equal(sock_stage(s, 3, FRAME_LEN, dst, &err), 0);
    for (int i = 0; i < 3; i++) {
        assert_ptr_equal(dst[i], s->buf[i]);
        assert_int_equal(s->iov[i].iov_len, FRAME_LEN);
    }
    assert_int_equal(sock_send(s, 0, 3), -EBADF);
    assert_int_equal(err.len, 0);
    sock_close(s);
    pcap_close(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_injector__table_rows_complete),
        cmocka_unit_test(test_injector__names_unique),
        cmocka_unit_test(test_injector__ring_first_socket_last),
        cmocka_unit_test(test_injector__ring_stage_vnet_wraps),
        cmocka_unit_test(test_injector__ring_stage_plain),
        cmocka_unit_test(test_injector__ring_stage_busy_slot_fails),
        cmocka_unit_test(test_injector__ring_taken),
        cmocka_unit_test(test_injector__ring_finish),
        cmocka_unit_test(test_injector__socket_stage_and_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
