#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-timeout: 900
#
# coexist: mip6d beside a charon that already carries another tunnel (issue 17).
# The HA's charon (Debian's default VICI socket, /var/run/charon.vici) first carries only a
# site-to-site IKE SA "site" to a third namespace (2001:db8:a::/64 <-> 2001:db8:b::/64, ESP
# tunnel mode, dynamic reqid) with pings through it.  Then the deployment guide's steps
# (doc/deployment.md), with the shipped files verbatim: swanctl/ha/swanctl.conf copied to
# conf.d/mip6d.conf, `swanctl --load-all` (no restart, no strongswan.conf setting on the HA),
# `mip6d -n` on doc/examples/mip6d-ha.conf and mip6d started with it (the HA's interface is
# named eth0 here, as in the example).  The MN runs doc/examples/mip6d-mn.conf through an
# include, with only its charon's socket set after it (two charons share this VM's /run).
# The MN moves three times with K=1 (`KeyMngMobCapability enabled;` added after the
# include on both: XFRM MIGRATE + KMADDRESS), then, the HA restarted with its example as
# shipped (KeyMngMobCapability disabled), three times with K=0 (the HA terminates the MN's
# IKE SA, the MN initiates a new one).  After the load and after every move: the site IKE SA keeps
# its unique id, its IKE SPIs and its CHILD_SA SPIs, and pings sent through it after the
# move are answered.  No route of charon's for the mobility children (table 220).

# shellcheck source=tests/vm/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"
# The examples say Interface "eth0" (and MnHomeLink "eth0"): name the nodes' interfaces so.
HA_IF=eth0 MN_IF=eth0
# shellcheck source=tests/vm/lib/mip6.sh
. "$(dirname "$0")/../lib/mip6.sh"
# shellcheck source=tests/vm/lib/charon.sh
. "$(dirname "$0")/../lib/charon.sh"

EX=$TOP/doc/examples
NS_S2S=s2s-$$
SITE_HA=2001:db8:99::1 SITE_PEER=2001:db8:99::2
NET_A=2001:db8:a::1 NET_B=2001:db8:b::1

topo_setup || exit 1
topo_sysctl "$NS_HA" "net.ipv6.neigh.$HA_IF.retrans_time_ms=100"

# --- the third namespace: the other site, one veth to the HA --------------------------------
ip netns add "$NS_S2S" || exit 1
topo_at_exit "ip netns del $NS_S2S"
topo_sysctl "$NS_S2S" net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
ip link add ha-s2s netns "$NS_HA" type veth peer name s2s0 netns "$NS_S2S" || exit 1
ip -n "$NS_HA" -batch - <<EOF || exit 1
addr add $SITE_HA/64 dev ha-s2s nodad
link set ha-s2s up
link add site-a type dummy
addr add $NET_A/64 dev site-a nodad
link set site-a up
EOF
ip -n "$NS_S2S" -batch - <<EOF || exit 1
link set lo up
addr add $SITE_PEER/64 dev s2s0 nodad
link set s2s0 up
link add site-b type dummy
addr add $NET_B/64 dev site-b nodad
link set site-b up
EOF

site_conf() { # site_conf LOCAL REMOTE LOCAL_ID REMOTE_ID LOCAL_NET REMOTE_NET
	cat <<EOF
# The operator's existing tunnel (not mip6d's).
connections {
	site {
		version = 2
		local_addrs = $1
		remote_addrs = $2
		proposals = aes128gcm16-prfsha256-ecp256
		rekey_time = 0
		local {
			auth = psk
			id = $3
		}
		remote {
			auth = psk
			id = $4
		}
		children {
			net {
				mode = tunnel
				local_ts = $5
				remote_ts = $6
				esp_proposals = aes128gcm16
				rekey_time = 0
			}
		}
	}
}
secrets {
	ike-site {
		id-a = site-a.example.org
		id-b = site-b.example.org
		secret = 0sc2l0ZS10by1zaXRlLXRlc3Qta2V5LW5vdC1mb3ItdXNl
	}
}
EOF
}
# The HA host's /etc/swanctl: its swanctl.conf (site-to-site) and Debian's include of conf.d.
etc=$TOPO_DIR/ha-etc-swanctl
mkdir -p "$etc/conf.d" "$TOPO_DIR/s2s-etc-swanctl"
{
	site_conf "$SITE_HA" "$SITE_PEER" site-a.example.org site-b.example.org 2001:db8:a::/64 2001:db8:b::/64
	echo "include conf.d/*.conf"
} >"$etc/swanctl.conf"
site_conf "$SITE_PEER" "$SITE_HA" site-b.example.org site-a.example.org 2001:db8:b::/64 2001:db8:a::/64 \
	>"$TOPO_DIR/s2s-etc-swanctl/swanctl.conf"

CHARON_URI[ha]=unix:///var/run/charon.vici
charon_start "$NS_HA" ha "$etc" || { not_ok "the HA's charon with the site-to-site tunnel"; exit 1; }
charon_start "$NS_S2S" s2s "$TOPO_DIR/s2s-etc-swanctl" || { not_ok "charon of the other site"; exit 1; }
charon_swanctl s2s --initiate --child net --timeout 30 >"$TOPO_DIR/site-initiate.log" 2>&1
site_raw() { charon_swanctl ha --list-sas --ike site --raw 2>/dev/null; }
site_field() { site_raw | grep -o " $1=[^ }]*" | head -1 | cut -d= -f2; }
# unique id, IKE SPIs, CHILD_SA SPIs of the site tunnel on the HA
site_ids() { echo "$(site_field uniqueid) $(site_field initiator-spi) $(site_field responder-spi) $(site_field spi-in) $(site_field spi-out)"; }
site_up() { [ "$(site_field state)" = ESTABLISHED ] && [ -n "$(site_field spi-in)" ]; }
check "the HA's charon carries the site-to-site IKE SA" wait_for 60 site_up
SITE=$(site_ids)
SITE_REQID=$(site_field reqid)
topo_log "site IKE SA: uniqueid, IKE SPIs, CHILD SPIs: $SITE; its CHILD_SA's dynamic reqid: $SITE_REQID"
topo_bg "$NS_S2S" s2sping ping -6 -D -n -i 0.05 -W 1 -I "$NET_B" "$NET_A"
S2SPING=$TOPO_DIR/s2sping.log
site_flows() { replies_after "$1" "$S2SPING"; }
check "pings flow through the site tunnel" wait_for 20 site_flows "$(now_us)"
site_esp() { # ESP packets of the HA's inbound site SA (spi-in)
	ip -n "$NS_HA" -s xfrm state list spi "0x$(site_field spi-in)" 2>/dev/null |
		awk '/lifetime current:/ { getline; gsub(/[^0-9]/, "", $2); print $2; exit }'
}
site_intact() { # site_intact T_US: same SA, same SPIs, replies to pings sent after T_US
	[ "$(site_ids)" = "$SITE" ] && site_flows "$1"
}

# --- the deployment guide's steps on the HA ----------------------------------------------
# 3. swanctl: the shipped file into conf.d/, loaded without a restart.  (charon_start copied
# $etc to $TOPO_DIR/ha/swanctl: that copy is this host's /etc/swanctl.)
install -m 600 "$TOP/swanctl/ha/swanctl.conf" "$TOPO_DIR/ha/swanctl/conf.d/mip6d.conf"
t=$(now_us)
check "swanctl --load-all with conf.d/mip6d.conf (no strongSwan restart)" charon_load ha
conns=$(charon_swanctl ha --list-conns 2>/dev/null | grep -o '^[a-z0-9-]*:' | tr '\n' ' ')
check "charon has both connections: $conns" test "$conns" = "site: mip6-mn1: "
check "after the load: the site IKE SA is the same (ids, SPIs) and pings through it flow" \
	wait_for 10 site_intact "$t"
# 4. mip6d: the example, checked first.
mip6d_n() { "$MIP6D" -n -c "$EX/mip6d-ha.conf" >"$TOPO_DIR/mip6d-n.out"; }
check "mip6d -n accepts doc/examples/mip6d-ha.conf" mip6d_n
# K=1 first: KeyMngMobCapability enabled after the include (the examples leave it disabled).
mip6_start "$NS_HA" ha "include \"$EX/mip6d-ha.conf\";
KeyMngMobCapability enabled;" || exit 1

# --- the MN ----------------------------------------------------------------------------------
charon_start "$NS_MN" mn "$TOP/swanctl/mn" || { not_ok "charon on the MN"; exit 1; }
mn_conf() { # mn_conf [EXTRA]: the example, then what differs on this VM (and EXTRA)
	printf 'include "%s";\nViciSocket "%s";\n%s\n' "$EX/mip6d-mn.conf" "/run/charon-mn.vici" "${1:-}"
}
mip6_start "$NS_MN" mn "$(mn_conf "KeyMngMobCapability enabled;")" || exit 1
R=1000000001
ipsec_up() { mip6_json mn ipsec | grep -qE "\"reqids\":\[([0-9]+,)*${R}[],]"; }
check "MN at home: the homereg CHILD_SA (reqid $R) is up" wait_for 60 ipsec_up
check "the HA lists the mobility IKE SA under its connection name" \
	sh -c "'$MIP6CTL' -s /run/mip6-ha.ctl --json ipsec | grep -q '\"name\":\"mip6-mn1\"'"
no_mobility_routes() { ! ip -n "$NS_HA" -6 route show table 220 2>/dev/null | grep -q "2001:db8:1::"; }
check "charon installed no route for the mobility children on the HA (table 220)" no_mobility_routes
check "at home: the site IKE SA is the same and pings through it flow" wait_for 10 site_intact "$(now_us)"

mn_ike_spi() { charon_swanctl mn --list-sas --ike mip6-ha --raw 2>/dev/null | grep -o ' initiator-spi=[^ }]*' | head -1; }
move() { # move K LINK COA
	local k=$1 link=$2 coa=$3 spi0 t
	spi0=$(mn_ike_spi)
	t=$(now_us)
	move_mn "$link" || { not_ok "K=$k: move to $link"; return; }
	if [ "$link" = home ]; then
		check "K=$k $link: deregistered (BA status 0)" \
			wait_for 40 bul_is '"location":"home","entries":\[{[^]]*"state":"none"[^]]*"last_status":0'
	else
		check "K=$k $link: registered with CoA $coa (BA status 0)" \
			wait_for 40 bul_is "\"coa\":\"$coa\",\"state\":\"registered\"[^]]*\"last_status\":0"
	fi
	check "K=$k $link: the MN's homereg CHILD_SA is up" wait_for 60 ipsec_up
	if [ "$k" = 1 ]; then
		check "K=$k $link: the MN's IKE SA moved (same SPIs)" test "$(mn_ike_spi)" = "$spi0"
	fi
	echo "# K=$k $link: move -> registered and SAs up: $((($(now_us) - t) / 1000)) ms"
	check "K=$k $link: the site IKE SA is the same (ids, SPIs), pings sent after the move answered" \
		wait_for 20 site_intact "$MOVED_US"
}

esp0=$(site_esp)
move 1 foreign1 "$MN_COA_F1"
move 1 foreign2 "$MN_COA_F2"
move 1 home ""
# K=0: the HA runs the example as shipped (KeyMngMobCapability disabled): it answers K=0,
# terminates the MN's IKE SA on each move and the MN initiates a new one.
mip6_stop ha
cp "$TOPO_DIR/ha.log" "$TOPO_DIR/ha-k1.log"
mip6_start "$NS_HA" ha "include \"$EX/mip6d-ha.conf\";" || exit 1
move 0 foreign1 "$MN_COA_F1"
move 0 foreign2 "$MN_COA_F2"
move 0 home ""
esp1=$(site_esp)
check "the site tunnel carried ESP throughout ($esp0 -> $esp1 packets on its inbound SA)" \
	test "${esp1:-0}" -gt "${esp0:-0}"
check "mip6d never refused a MIGRATE for a reqid clash" sh -c "! grep -q 'not migrating' '$TOPO_DIR/ha-k1.log' '$TOPO_DIR/ha.log' '$TOPO_DIR/mn.log'"
check "the site IKE SA was never terminated: still #${SITE%% *}" test "$(site_field uniqueid)" = "${SITE%% *}"

if [ "$fails" -gt 0 ]; then
	charon_dump_tails ha mn
	site_raw | sed 's/^/#   site: /'
fi
mip6_stop mn
mip6_stop ha
[ "$fails" = 0 ]
