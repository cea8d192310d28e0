# fleet's swarm port check, the asking side. POSIX sh + perl. stdin: "ADDRESS PORT PROTO" lines.
# stdout: "ADDRESS PORT PROTO RESULT" with RESULT ok (TCP connected / datagram answered), refused,
# timeout (TCP) or noanswer (UDP: no answer to 3 datagrams in 3 s). All probes run at once.
command -v perl >/dev/null 2>&1 || { echo noperl; exit 0; }
exec perl -e '
use strict; use IO::Socket::INET; use IO::Select; use Socket; use Errno qw(EINPROGRESS ECONNREFUSED);
$| = 1;
my (@p, %res);
while (my $l = <STDIN>) { chomp $l; my ($a, $port, $proto) = split / /, $l; push @p, [$a, $port, $proto] if $proto; }
my $rs = IO::Select->new(); my $ws = IO::Select->new(); my %by;
for my $i (0..$#p) {
  my ($a, $port, $proto) = @{$p[$i]};
  my $ip = inet_aton($a); if (!$ip) { $res{$i} = "unresolved"; next; }
  my $s;
  if ($proto eq "udp") {
    socket($s, PF_INET, SOCK_DGRAM, 0) or do { $res{$i} = "error"; next; };
    connect($s, sockaddr_in($port, $ip)); $rs->add($s);
  } else {
    socket($s, PF_INET, SOCK_STREAM, 0) or do { $res{$i} = "error"; next; };
    $s->blocking(0);
    if (connect($s, sockaddr_in($port, $ip))) { $res{$i} = "ok"; close $s; next; }
    if ($! != EINPROGRESS) { $res{$i} = $! == ECONNREFUSED ? "refused" : "unreachable"; close $s; next; }
    $ws->add($s);
  }
  $by{fileno $s} = $i;
}
my $start = time; my $sent = 0;
while (time - $start < 3 && ($rs->count || $ws->count)) {
  if ($sent < 3 && time - $start >= $sent) { send($_, "fleet-probe $by{fileno $_}", 0) for $rs->handles; $sent++; }
  my ($r, $w) = IO::Select->select($rs, $ws, undef, 0.2);
  for my $s (@{$w || []}) {
    my $i = $by{fileno $s}; my $err = getsockopt($s, SOL_SOCKET, SO_ERROR);
    $err = unpack("i", $err); $res{$i} = $err == 0 ? "ok" : $err == ECONNREFUSED ? "refused" : "timeout";
    $ws->remove($s); close $s;
  }
  for my $s (@{$r || []}) {
    my $i = $by{fileno $s}; my $msg;
    if (!defined recv($s, $msg, 512, 0)) { $res{$i} = $! == ECONNREFUSED ? "refused" : "noanswer"; }
    elsif ($msg ne "fleet-ack $i") { next; } else { $res{$i} = "ok"; }
    $rs->remove($s); close $s;
  }
}
for my $i (0..$#p) { print join(" ", @{$p[$i]}, $res{$i} // ($p[$i][2] eq "udp" ? "noanswer" : "timeout")), "\n"; }
'
