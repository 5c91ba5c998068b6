/* `perftests agent`: the same binary, serving line-delimited JSON-RPC 2.0
 * on its stdin/stdout for a harness on another host that started it with
 * `ssh -o BatchMode=yes HOST perftests agent`.  No port is opened and
 * nothing stays behind: the end of its stdin (a dropped SSH session),
 * SIGHUP or SIGTERM end it, and it removes what it created (its own
 * cleanup ledger).  Its log goes to stderr, which the harness logs with
 * the host's name.
 *
 * Methods (params and results are JSON objects; see agent.c's table):
 *   hello      {protocol, version} -> {protocol, version, capabilities,
 *              host, pid}; a protocol other than WIRE_PROTOCOL is refused
 *   clock      {} -> {mono_ns}: this host's CLOCK_MONOTONIC, the clock of
 *              the frames' send times, for the harness's offset estimate
 *   prepare    {interface, address, namespace?} -> {mac, added}: the
 *              endpoint; the address is added when missing (ledger first)
 *   start_rx   {tag, count, src, dst, buffer_kb, clock_shift_ns} ->
 *              {ready}: answered once the capture is open and counting
 *   start_tx   {tag, rate, count, start_ns, frame {...}, flows} ->
 *              {start_ns}: the frames leave at start_ns (this host's
 *              clock), on a thread of their own
 *   stop       {} -> {}: the frames being sent stop
 *   results    {wait_ms} -> {done, trial {...}}: the sender's half once
 *              it is done (waiting up to wait_ms), or the receiver's after
 *              its drain
 *   collect    {action: start, collectors, interval} | {action: stop} ->
 *              {files {NAME.rrd: base64}}: this host's collectors into
 *              RRD files of its own, handed over at the end
 *   tcp_server {duration_s} -> {port}: iperf3's server on the endpoint,
 *              answered once it listens (agent_tcp.c)
 *   tcp_client {server, port, streams, duration_s} -> {}: iperf3's
 *              client from the endpoint, on a thread
 *   tcp_wait   {wait_ms, stop?} -> {done, json?, result?, log, error?}:
 *              the client's end (iperf3's JSON text and its figures), or
 *              the server's; stop ends either now
 *   cleanup    {} -> {}: everything in its ledger removed
 */
#ifndef PT_AGENT_H
#define PT_AGENT_H

/* Where an agent keeps its ledger when not told: network state, which a
 * reboot clears, as it clears /run. */
#define AGENT_DEFAULT_DIR "/run/perftests-agent"

/* The ledger folder of an agent of this host and network namespace:
 * DIR/.ledger/agent-<boot id>-net<inode of the namespace> (malloc'ed).
 * What an agent made is in its namespace on its host, and only an agent
 * there can remove it: hosts that share a file system, and namespaces on
 * one machine, keep apart. */
char *agent_ledger_dir(const char *dir);

/* Serves 'in_fd'/'out_fd' until the end of 'in_fd' or a signal.  Its
 * ledger lives in agent_ledger_dir(DIR); the ledgers of agents that died
 * there are replayed first.  Returns the process exit code. */
int agent_main(int in_fd, int out_fd, const char *dir);

#endif
