# fleet's swarm port check on one host, both sides in one shell start. POSIX sh + perl (perl-base is
# Essential on Debian, Ubuntu and JetPack). Needs no root (every swarm port is above 1024).
# Answering: binds each free port of "$@" (PORT/tcp or PORT/udp); prints "busy PORT/PROTO" for a port
# already in use (Docker's own, on a swarm member) and "ready" once listening. Answers each datagram
# "fleet-probe N" with "fleet-ack N" and accepts (then closes) TCP connections, until its stdin closes
# or 60 s pass.
# Asking: stdin may bring "ADDRESS PORT PROTO" lines ended by a "probe-go" line (fleet sends it once
# every host answers): a child process then runs them all at once and prints "ADDRESS PORT PROTO
# RESULT" per line, in input order, then "probes-done". RESULT: ok (TCP connected / datagram
# answered), refused, timeout (TCP) or noanswer (UDP: no answer to 3 datagrams in 3 s).
command -v perl >/dev/null 2>&1 || { echo noperl; exit 0; }
exec perl -e '
use strict; use IO::Socket::INET; use IO::Select; use Socket; use Errno qw(EINPROGRESS ECONNREFUSED);
$| = 1; $SIG{CHLD} = "IGNORE";
sub probe {
  my @p = @_; my %res;
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
  print "probes-done\n";
}
my $sel = IO::Select->new(); my %kind;
for my $spec (@ARGV) {
  my ($port, $proto) = split m{/}, $spec;
  my $s = $proto eq "udp"
    ? IO::Socket::INET->new(LocalPort => $port, Proto => "udp", ReuseAddr => 0)
    : IO::Socket::INET->new(LocalPort => $port, Proto => "tcp", Listen => 64, ReuseAddr => 1);
  if (!$s) { print "busy $spec\n"; next; }
  $kind{fileno $s} = $proto; $sel->add($s);
}
$sel->add(\*STDIN); $kind{fileno STDIN} = "stdin";
print "ready\n";
my $end = time + 60; my $in = ""; my @todo;
while (time < $end) {
  for my $s ($sel->can_read(1)) {
    my $k = $kind{fileno $s};
    if ($k eq "stdin") {
      my $b; exit 0 unless sysread(STDIN, $b, 4096);
      $in .= $b;
      while ($in =~ s/^([^\n]*)\n//) {
        my $l = $1;
        if ($l ne "probe-go") { my @f = split / /, $l; push @todo, [@f] if @f == 3; next; }
        # The probes run in a child: this process keeps answering the other hosts meanwhile.
        my $pid = fork;
        if (defined $pid && $pid == 0) { probe(@todo); exit 0; }
        print "probes-done\n" unless defined $pid;
        @todo = ();
      }
      next;
    }
    if ($k eq "udp") {
      my $msg; my $from = $s->recv($msg, 512);
      $s->send("fleet-ack $1", 0, $from) if defined $from && $msg =~ /^fleet-probe (\S+)$/;
    } else { my $c = $s->accept; close $c if $c; }
  }
}' "$@"
