/* Test frames: Ethernet + IPv4 + UDP (or TCP SYN) + a payload that carries
 * a magic, the run id, a sequence number and the send time.  A frame is
 * built once and patched per packet (sequence, time, ports), with the L4
 * checksum updated incrementally (RFC 1624): nothing is rebuilt in the
 * packet loop. */
#ifndef PT_FRAME_H
#define PT_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRAME_MAGIC 0x7074u         /* "pt" */
#define FRAME_MIN 60                /* Ethernet minimum without FCS */
#define FRAME_MAX 1514
/* The smallest frame that holds headers and payload: a 60-byte UDP frame
 * has exactly the 18 bytes the payload needs; a TCP SYN needs 72. */
#define FRAME_MIN_UDP 60
#define FRAME_MIN_TCP 72

enum frame_proto { FRAME_UDP, FRAME_TCP_SYN };

/* What the receiver reads back; network byte order.  18 bytes, so that a
 * minimum-size UDP frame carries it; every field starts at an even offset
 * of the L4 segment, which the incremental checksum relies on. */
struct frame_payload {
    uint16_t magic;
    uint32_t run;
    uint32_t seq;           /* a trial sends fewer than 2^32 packets */
    uint64_t tx_ns;         /* CLOCK_MONOTONIC: one clock in every netns */
} __attribute__((packed));

struct frame_spec {
    uint8_t src_mac[6], dst_mac[6];
    uint32_t src_ip, dst_ip;        /* network byte order */
    uint16_t src_port, dst_port;    /* host byte order */
    size_t size;                    /* FRAME_MIN .. FRAME_MAX */
    enum frame_proto proto;
    uint32_t run;
};

struct frame {
    uint8_t buf[FRAME_MAX];
    size_t len;
    enum frame_proto proto;
    size_t l4;                      /* offset of the UDP/TCP header */
    size_t payload;                 /* offset of struct frame_payload */
    size_t csum;                    /* offset of the L4 checksum field */
};

/* Builds the frame.  Returns 0, or -EINVAL for a size out of range. */
int frame_init(struct frame *f, const struct frame_spec *spec);
/* Sets sequence, send time and ports, and fixes the L4 checksum. */
void frame_patch(struct frame *f, uint64_t seq, uint64_t tx_ns,
                 uint16_t src_port, uint16_t dst_port);
/* Changes the run field (a trial's tag), fixing the L4 checksum. */
void frame_set_run(struct frame *f, uint32_t run);
/* Reads a received frame: true when it is one of run 'run'
 * (Ethernet/IPv4/UDP or TCP, our magic), with its sequence and send time. */
bool frame_parse(const uint8_t *pkt, size_t len, uint32_t run, uint64_t *seq,
                 uint64_t *tx_ns);

/* The Internet checksum (RFC 1071) of 'len' bytes, folded, not inverted,
 * added to 'sum'.  Exposed for the tests. */
uint32_t frame_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t frame_csum_fold(uint32_t sum);

#endif
