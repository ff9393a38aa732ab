#!/usr/bin/perl
# pg-role-check: tells HAProxy which PostgreSQL node is the primary.
#
# Runs in the postgres:15 image (perl and psql are there). A poller process
# asks every node once a second, with short timeouts, whether it is in
# recovery and, if not, which WAL timeline it writes on; it writes the verdict
# to a state file. The main process answers HTTP on one port per node:
#
#   200  this node is THE primary: not in recovery, and no other reachable
#        node that is also a primary writes on a higher timeline
#   503  standby, unreachable, hung (timeout), fenced (a primary on a lower
#        timeline: an old primary that came back after a promotion), or the
#        verdict is older than PG_ROLE_STALE_S seconds
#
# Two primaries on the same timeline (never produced by promotion) answer 503
# on both: no writes rather than a split brain. Port PG_ROLE_STATUS_PORT
# answers 200 while the poller is alive, with the whole verdict as text.
#
# Environment: PG_NODES="host:pgport:httpport ..." (space separated), PGUSER,
# PGPASSWORD, PGDATABASE (libpq variables), PG_ROLE_INTERVAL_S (1),
# PG_ROLE_TIMEOUT_S (2), PG_ROLE_STALE_S (3), PG_ROLE_STATUS_PORT (8000),
# PG_ROLE_STATE (/tmp/pg-role-check.state).
use strict;
use warnings;
use IO::Select;
use IO::Socket::INET;
use POSIX ();

$| = 1;
my @nodes;
for my $spec (split ' ', ($ENV{PG_NODES} // '')) {
  my ($host, $port, $http) = split /:/, $spec;
  die "PG_NODES entry '$spec' is not host:pgport:httpport\n"
    unless defined $http && $port =~ /^\d+$/ && $http =~ /^\d+$/;
  push @nodes, { host => $host, port => $port, http => $http, key => "$host:$port" };
}
die "PG_NODES is empty\n" unless @nodes;

my $interval    = $ENV{PG_ROLE_INTERVAL_S}  // 1;
my $timeout     = $ENV{PG_ROLE_TIMEOUT_S}   // 2;
my $stale_after = $ENV{PG_ROLE_STALE_S}     // 3;
my $status_port = $ENV{PG_ROLE_STATUS_PORT} // 8000;
my $state_file  = $ENV{PG_ROLE_STATE}       // '/tmp/pg-role-check.state';
$ENV{PGCONNECT_TIMEOUT} //= $timeout;
$ENV{PGDATABASE}        //= 'postgres';
$ENV{PGAPPNAME}         //= 'pg-role-check';

sub say_log { print '[pg-role-check] ', @_, "\n" }

# One round: ask every node at once (a hung node costs at most $timeout).
sub probe_all {
  my $sql = q{SELECT pg_is_in_recovery(), CASE WHEN pg_is_in_recovery() THEN ''}
    . q{ ELSE substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) END};
  my %pipes;
  for my $n (@nodes) {
    my $pid = open(my $fh, '-|');
    die "fork: $!\n" unless defined $pid;
    if ($pid == 0) {
      open(STDERR, '>', '/dev/null');
      exec('timeout', $timeout, 'psql', '-XAtq', '-F', '|', '-h', $n->{host}, '-p', $n->{port},
        '-c', $sql) or POSIX::_exit(127);
    }
    $pipes{ $n->{key} } = $fh;
  }
  my %seen;
  for my $n (@nodes) {
    my $fh  = $pipes{ $n->{key} };
    my $out = do { local $/; <$fh> } // '';
    my $ok  = close($fh);
    chomp $out;
    if ($ok && $out =~ /^([tf])\|([0-9A-Fa-f]{8})?$/) {
      $seen{ $n->{key} } =
        $1 eq 't' ? { role => 'standby' } : { role => 'primary', tli => hex($2 // '0') };
    } else {
      $seen{ $n->{key} } = { role => 'down' };
    }
  }
  return \%seen;
}

# The verdict: the single primary on the highest timeline, if there is one.
sub decide {
  my ($seen) = @_;
  my @primaries = grep { $seen->{$_}{role} eq 'primary' } keys %$seen;
  my $top = 0;
  for (@primaries) { $top = $seen->{$_}{tli} if $seen->{$_}{tli} > $top }
  my @winners = grep { $seen->{$_}{tli} == $top } @primaries;
  my %verdict;
  for my $node (keys %$seen) {
    my $s = $seen->{$node};
    if ($s->{role} ne 'primary') { $verdict{$node} = $s->{role}; next }
    $verdict{$node} =
        $s->{tli} < $top ? "fenced (timeline $s->{tli} < $top)"
      : @winners > 1     ? "fenced (several primaries on timeline $top)"
      :                    "primary (timeline $s->{tli})";
  }
  return \%verdict;
}

sub poll_forever {
  $0 = 'pg-role-check poller';
  my $last = '';
  while (1) {
    my $started = time;
    my $verdict = decide(probe_all());
    my $text    = join '', map { "$_ $verdict->{$_}\n" } sort keys %$verdict;
    if ($text ne $last) { say_log("now: ", join('; ', split /\n/, $text)); $last = $text }
    my $tmp = "$state_file.tmp";
    if (open(my $fh, '>', $tmp)) {
      print $fh time, "\n", $text;
      close $fh;
      rename $tmp, $state_file;
    }
    my $rest = $interval - (time - $started);
    sleep $rest if $rest > 0;
  }
}

sub read_state {
  open(my $fh, '<', $state_file) or return (undef, {});
  my $stamp = <$fh>;
  my %verdict;
  while (my $line = <$fh>) {
    chomp $line;
    my ($node, $what) = split / /, $line, 2;
    $verdict{$node} = $what;
  }
  close $fh;
  chomp $stamp if defined $stamp;
  return ($stamp, \%verdict);
}

sub answer {
  my ($client, $port) = @_;
  # Read (and ignore) the request; HAProxy sends a short GET.
  my $sel = IO::Select->new($client);
  if ($sel->can_read(1)) { my $buf; sysread($client, $buf, 4096) }
  my ($stamp, $verdict) = read_state();
  my $fresh = defined $stamp && $stamp =~ /^\d+$/ && time - $stamp <= $stale_after;
  my ($code, $body);
  if ($port == $status_port) {
    $code = $fresh ? 200 : 503;
    $body = ($fresh ? "fresh\n" : "stale\n") . join '', map { "$_ $verdict->{$_}\n" } sort keys %$verdict;
  } else {
    my ($node) = grep { $_->{http} == $port } @nodes;
    my $what = $verdict->{ $node->{key} } // 'unknown';
    $what = "stale ($what)" unless $fresh;
    $code = $fresh && $what =~ /^primary/ ? 200 : 503;
    $body = "$node->{key} $what\n";
  }
  my $reason = $code == 200 ? 'OK' : 'Service Unavailable';
  print $client "HTTP/1.0 $code $reason\r\nContent-Type: text/plain\r\nContent-Length: "
    . length($body) . "\r\nConnection: close\r\n\r\n$body";
  close $client;
}

my $poller = fork();
die "fork: $!\n" unless defined $poller;
if ($poller == 0) { poll_forever(); POSIX::_exit(1) }

# If the poller dies the verdict goes stale; exit so the container restarts.
$SIG{CHLD} = sub {
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    if ($pid == $poller) { say_log('poller exited'); exit 1 }
  }
};
$SIG{TERM} = $SIG{INT} = sub { kill 'TERM', $poller; exit 0 };

my $select = IO::Select->new;
my %port_of;
for my $port ($status_port, map { $_->{http} } @nodes) {
  my $sock = IO::Socket::INET->new(
    LocalPort => $port, Listen => 16, ReuseAddr => 1, Proto => 'tcp')
    or die "listen on :$port: $!\n";
  $select->add($sock);
  $port_of{$sock} = $port;
}
say_log('watching ', join(', ', map { "$_->{host}:$_->{port} (answers on :$_->{http})" } @nodes),
  "; status on :$status_port");

while (1) {
  for my $sock ($select->can_read) {
    my $client = $sock->accept or next;
    answer($client, $port_of{$sock});
  }
}
