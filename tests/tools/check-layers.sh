#!/usr/bin/env bash
# make check-layers: fails when a file includes a header of a room it may
# not use (DESIGN.md, "Rooms and layers").  Includes name their room
# ("lib/strbuf.h"), so the room of every project header is in its path.
set -u
cd "$(dirname "$0")/../.."

# room: the rooms it may include besides itself.  harness/ (main.c, cli)
# is the top and may include everything.
allowed() {
	case "$1" in
	lib)        echo "" ;;
	topologies) echo "lib" ;;
	collectors) echo "lib" ;;
	report)     echo "lib" ;;
	sample)     echo "lib collectors" ;;
	sut)        echo "lib collectors" ;;
	# The settings table is the one validated source of every knob: the
	# strategies read their keys from it (run/settings.h, not the rest of run/).
	traffic)    echo "lib topologies run/settings.h" ;;
	# The agents and the harness's side of them (several hosts): an agent
	# runs the traffic engine and the sampler on its host, as a run does.
	remote)     echo "lib traffic collectors sample topologies run/settings.h" ;;
	run)        echo "lib topologies collectors report traffic sut sample remote" ;;
	esac
}

room_of_file() {
	case "$1" in
	harness/lib/*) echo lib ;;       harness/run/*) echo run ;;
	harness/traffic/*) echo traffic ;; harness/sut/*) echo sut ;;
	harness/sample/*) echo sample ;; harness/remote/*) echo remote ;;
	harness/*) echo top ;;
	topologies/*) echo topologies ;; collectors/*) echo collectors ;;
	report/*) echo report ;;
	esac
}

bad=0
while IFS= read -r f; do
	room=$(room_of_file "$f")
	[ "$room" = top ] && continue
	ok=" $room $(allowed "$room") "
	while IFS=: read -r line inc; do
		# "lib/x.h" -> lib, "topologies/topology.h" -> topologies,
		# "version.h" (generated) and system headers are free.
		case "$inc" in */*) ;; *) continue ;; esac
		want=${inc%%/*}
		case "$ok" in
		*" $want "*|*" $inc "*) ;;
		*) echo "$f:$line: the $room room may not include \"$inc\" (it may include: ${ok# })" >&2
		   bad=1 ;;
		esac
	done < <(awk '/^#[ \t]*include[ \t]*"/ {
			split($0, q, "\""); print FNR ":" q[2] }' "$f")
done < <(find harness topologies collectors report -name '*.[ch]' | sort)
exit $bad
