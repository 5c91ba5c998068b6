#include "traffic/frame.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <string.h>

#define ETH_LEN 14
#define IP_LEN 20
#define UDP_LEN 8
#define TCP_LEN 20

uint32_t frame_csum_add(uint32_t sum, const void *data, size_t len)
{
    const uint8_t *p = data;

    for (; len > 1; p += 2, len -= 2)
        sum += (uint32_t)p[0] << 8 | p[1];
    if (len)
        sum += (uint32_t)p[0] << 8;
    return sum;
}

uint16_t frame_csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* The full L4 checksum, pseudo-header included; used once, at build. */
static uint16_t l4_checksum(const struct frame *f, uint8_t proto)
{
    const uint8_t *ip = f->buf + ETH_LEN;
    size_t l4_len = f->len - f->l4;
    uint32_t sum = 0;

    sum = frame_csum_add(sum, ip + 12, 8);      /* source, destination */
    sum += proto;
    sum += (uint32_t)l4_len;
    sum = frame_csum_add(sum, f->buf + f->l4, l4_len);
    uint16_t c = (uint16_t)~frame_csum_fold(sum);
    /* UDP sends 0 as "no checksum"; all ones means zero (RFC 768). */
    return c == 0 && proto == IPPROTO_UDP ? 0xffff : c;
}

int frame_init(struct frame *f, const struct frame_spec *spec)
{
    size_t hdr = spec->proto == FRAME_UDP ? UDP_LEN : TCP_LEN;
    uint8_t proto = spec->proto == FRAME_UDP ? IPPROTO_UDP : IPPROTO_TCP;
    uint8_t *eth = f->buf, *ip, *l4;

    if (spec->size < FRAME_MIN || spec->size > FRAME_MAX
        || spec->size < ETH_LEN + IP_LEN + hdr + sizeof(struct frame_payload))
        return -EINVAL;
    memset(f, 0, sizeof *f);
    f->len = spec->size;
    f->proto = spec->proto;
    f->l4 = ETH_LEN + IP_LEN;
    f->payload = f->l4 + hdr;

    memcpy(eth, spec->dst_mac, 6);
    memcpy(eth + 6, spec->src_mac, 6);
    put16(eth + 12, 0x0800);

    ip = f->buf + ETH_LEN;
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(f->len - ETH_LEN));
    put16(ip + 6, 0x4000);                      /* don't fragment */
    ip[8] = 64;
    ip[9] = proto;
    memcpy(ip + 12, &spec->src_ip, 4);
    memcpy(ip + 16, &spec->dst_ip, 4);
    /* Constant for the whole trial: addresses and length never change. A
     * Linux bridge with br_netfilter drops a frame whose sum is wrong. */
    put16(ip + 10, (uint16_t)~frame_csum_fold(frame_csum_add(0, ip, IP_LEN)));

    l4 = f->buf + f->l4;
    put16(l4, spec->src_port);
    put16(l4 + 2, spec->dst_port);
    if (spec->proto == FRAME_UDP) {
        put16(l4 + 4, (uint16_t)(f->len - f->l4));
        f->csum = f->l4 + 6;
    } else {
        l4[12] = (TCP_LEN / 4) << 4;
        l4[13] = 0x02;                          /* SYN, as nmap -sS */
        put16(l4 + 14, 1024);                   /* window */
        f->csum = f->l4 + 16;
    }
    struct frame_payload pl = { htons(FRAME_MAGIC), htonl(spec->run), 0, 0 };
    memcpy(f->buf + f->payload, &pl, sizeof pl);
    put16(f->buf + f->csum, l4_checksum(f, proto));
    return 0;
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), over the 16-bit words that
 * changed.  'old' and 'new' are equally long and 2-byte aligned within the
 * L4 segment (ports and payload fields are). */
static uint32_t csum_delta(uint32_t sum, const uint8_t *old,
                           const uint8_t *new, size_t len)
{
    for (size_t i = 0; i < len; i += 2) {
        sum += (uint16_t)~get16(old + i);
        sum += get16(new + i);
    }
    return sum;
}

void frame_patch(struct frame *f, uint64_t seq, uint64_t tx_ns,
                 uint16_t src_port, uint16_t dst_port)
{
    uint8_t *l4 = f->buf + f->l4;
    uint8_t *pl = f->buf + f->payload + offsetof(struct frame_payload, seq);
    uint8_t ports[4], fields[12];
    uint32_t be_seq = htonl((uint32_t)seq);
    uint64_t be_ts = htobe64(tx_ns);
    uint16_t old_csum = get16(f->buf + f->csum);
    uint32_t sum;

    put16(ports, src_port);
    put16(ports + 2, dst_port);
    memcpy(fields, &be_seq, 4);
    memcpy(fields + 4, &be_ts, 8);

    sum = (uint16_t)~old_csum;
    sum = csum_delta(sum, l4, ports, sizeof ports);
    /* seq and tx_ns are contiguous, at an even offset of the segment. */
    sum = csum_delta(sum, pl, fields, sizeof fields);
    memcpy(l4, ports, sizeof ports);
    memcpy(pl, fields, sizeof fields);
    uint16_t c = (uint16_t)~frame_csum_fold(sum);
    if (c == 0 && f->proto == FRAME_UDP)
        c = 0xffff;
    put16(f->buf + f->csum, c);
}

void frame_set_run(struct frame *f, uint32_t run)
{
    uint8_t *p = f->buf + f->payload + offsetof(struct frame_payload, run);
    uint8_t field[4];
    uint32_t be = htonl(run);
    uint32_t sum = (uint16_t)~get16(f->buf + f->csum);

    memcpy(field, &be, 4);
    sum = csum_delta(sum, p, field, 4);
    memcpy(p, field, 4);
    uint16_t c = (uint16_t)~frame_csum_fold(sum);
    put16(f->buf + f->csum, c == 0 && f->proto == FRAME_UDP ? 0xffff : c);
}

bool frame_parse(const uint8_t *pkt, size_t len, uint32_t run, uint64_t *seq,
                 uint64_t *tx_ns)
{
    struct frame_payload pl;
    size_t ihl, off;

    if (len < ETH_LEN + IP_LEN || get16(pkt + 12) != 0x0800)
        return false;
    const uint8_t *ip = pkt + ETH_LEN;
    if ((ip[0] >> 4) != 4)
        return false;
    ihl = (size_t)(ip[0] & 0x0f) * 4;
    if (ip[9] == IPPROTO_UDP)
        off = ETH_LEN + ihl + UDP_LEN;
    else if (ip[9] == IPPROTO_TCP && len >= ETH_LEN + ihl + TCP_LEN)
        off = ETH_LEN + ihl + (size_t)(pkt[ETH_LEN + ihl + 12] >> 4) * 4;
    else
        return false;
    if (len < off + sizeof pl)
        return false;
    memcpy(&pl, pkt + off, sizeof pl);
    if (ntohs(pl.magic) != FRAME_MAGIC || ntohl(pl.run) != run)
        return false;
    *seq = ntohl(pl.seq);
    *tx_ns = be64toh(pl.tx_ns);
    return true;
}
