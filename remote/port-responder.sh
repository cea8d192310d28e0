# fleet's swarm port check, the answering side. POSIX sh + perl (perl-base is Essential on Debian,
# Ubuntu and JetPack). Binds each free port of "$@" (PORT/tcp or PORT/udp); prints "busy PORT/PROTO"
# for a port already in use (Docker's own, on a swarm member) and "ready" once listening. Answers
# each datagram "fleet-probe N" with "fleet-ack N" and accepts (then closes) TCP connections, until
# its stdin closes or 60 s pass. Needs no root (every swarm port is above 1024).
command -v perl >/dev/null 2>&1 || { echo noperl; exit 0; }
exec perl -e '
use strict; use IO::Socket::INET; use IO::Select;
$| = 1;
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
my $end = time + 60;
while (time < $end) {
  for my $s ($sel->can_read(1)) {
    my $k = $kind{fileno $s};
    if ($k eq "stdin") { my $b; exit 0 unless sysread(STDIN, $b, 512); next; }
    if ($k eq "udp") {
      my $msg; my $from = $s->recv($msg, 512);
      $s->send("fleet-ack $1", 0, $from) if defined $from && $msg =~ /^fleet-probe (\S+)$/;
    } else { my $c = $s->accept; close $c if $c; }
  }
}' "$@"
