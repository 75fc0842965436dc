#!/bin/sh
# Collects, on one ESXi host, exactly the esxcli output `npm run check` reads, as a transcript:
# a prompt line `[root@<host>:~] esxcli ...` before each command's output, the form the check's
# transcript reader takes. POSIX sh, for the ESXi shell (busybox ash); it changes nothing on
# the host. Run it over SSH from your workstation and save what it prints as DIR/<host>.txt,
# named as the host is in topology.json:
#
#   ssh root@esx-01 sh -s < scripts/collect-esxcli.sh > DIR/esx-01.txt
#
# Every vmk's `tag get` is included (the check refuses a vmk without one rather than guess it
# untagged), the route list of every netstack besides defaultTcpipStack, and the rulesets'
# allowed IPs (without them the check takes every ruleset to admit every address, and says so).

host=$(hostname 2>/dev/null) || host=esxi
host=${host%%.*}
[ -n "$host" ] || host=esxi

# Prints the prompt line, then runs the command; its errors go into the transcript too, so the
# check can name what failed.
run() {
  printf '[root@%s:~] %s\n' "$host" "$*"
  "$@" 2>&1
}

run esxcli system version get

interfaces=$(esxcli network ip interface list 2>&1)
printf '[root@%s:~] %s\n' "$host" 'esxcli network ip interface list'
printf '%s\n' "$interfaces"

run esxcli network ip interface ipv4 get

netstacks=$(esxcli network ip netstack list 2>&1)
printf '[root@%s:~] %s\n' "$host" 'esxcli network ip netstack list'
printf '%s\n' "$netstacks"

for vmk in $(printf '%s\n' "$interfaces" | awk '$1 == "Name:" { print $2 }'); do
  run esxcli network ip interface tag get -i "$vmk"
done

run esxcli network ip route ipv4 list
for stack in $(printf '%s\n' "$netstacks" | awk '$1 == "Key:" { print $2 }'); do
  [ "$stack" = defaultTcpipStack ] || run esxcli network ip route ipv4 list -N "$stack"
done

run esxcli network firewall ruleset list
run esxcli network firewall ruleset rule list
run esxcli network firewall ruleset allowedip list
run esxcli software vib list

# A bare prompt ends the last output.
printf '[root@%s:~]\n' "$host"
