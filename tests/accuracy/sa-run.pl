#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-only
#
# sa-run.pl - score messages with SpamAssassin itself, for sa-diff.py.
#
# Usage: sa-run.pl SITE_DIR FILE...   (or SITE_DIR - : file names on stdin)
#
# Loads SpamAssassin once through its Perl API (Mail::SpamAssassin, what
# spamd runs) with the default rules (/usr/share/spamassassin) and
# SITE_DIR as the site configuration (its *.pre load the plugins, its
# local.cf is the site's), network tests off (local_tests_only), Bayes,
# autolearn and the auto-welcomelist off.  One process scores every
# message, so the sample costs SpamAssassin's start-up once rather than
# once per message as `spamassassin -t` would; the result is the same as
# spamd's (same API, same configuration).
#
# Prints first {"rules": {NAME: {runs, type, eval, score, file, where,
# deps}}} (where: file:line of the definition in force; deps: a meta's
# operands): the rules it
# runs; then one JSON object per message, one per line:
#   {"file": F, "score": S, "required": R,
#    "tests": {"NAME": score, ...}, "subtests": ["__NAME", ...]}
# tests are the scored rules that hit (SpamAssassin's X-Spam-Status
# tests= list, with each rule's score, times its hits for a "tflags
# multiple" rule); subtests the __ sub-rules that hit.
use strict;
use warnings;
use JSON::PP;
use Mail::SpamAssassin;
use Mail::SpamAssassin::Conf::Parser;

# Where each rule's definition in force came from (file:line): the parser
# keeps the line number only while it reads, so add_test is wrapped to
# note it.  A definition that SpamAssassin refused does not count.
my %src;
{
	no warnings 'redefine';
	my $orig = \&Mail::SpamAssassin::Conf::Parser::add_test;
	*Mail::SpamAssassin::Conf::Parser::add_test = sub {
		my ($self, $name, $text) = @_;
		my $file = $self->{currentfile} // '';
		my $line = $self->{linenum}{$file} // 0;
		my @r = $orig->(@_);
		my $t = $self->{conf}->{tests}->{$name};
		$src{$name} = "$file:$line" if defined $t && $t eq $text;
		return wantarray ? @r : $r[0];
	};
}

my $site = shift @ARGV or die "usage: sa-run.pl SITE_DIR FILE...\n";
my @files = @ARGV;
if (@files == 1 && $files[0] eq '-') {
	@files = map { chomp; $_ } <STDIN>;
}

my $sa = Mail::SpamAssassin->new({
	rules_filename      => '/usr/share/spamassassin',
	site_rules_filename => $site,
	userprefs_filename  => '/dev/null',
	dont_copy_prefs     => 1,
	local_tests_only    => 1,
	# The envelope sender is the Return-Path, as `vigil scan
	# --from-return-path` takes it (SpamAssassin would otherwise guess
	# it from the Received headers).
	post_config_text    => "use_bayes 0\nbayes_auto_learn 0\n" .
	    "use_auto_whitelist 0\nenvelope_sender_header Return-Path\n",
	home_dir_for_helpers => $site,
	keep_config_parsing_metadata => 1,
});
$sa->compile_now(0, 1);

my $json = JSON::PP->new->canonical(1);
$| = 1;

# First line: every rule SpamAssassin knows, whether it runs with this
# configuration (a non-zero score in the score set in use, or a __
# sub-rule, and not a network test), its type, whether it is an eval
# test, its score, the file and line that defined it and a meta's
# operands.
my $conf = $sa->{conf};
my %rules;
for my $name (keys %{$conf->{test_types}}) {
	my $t = $conf->{test_types}->{$name};
	next unless defined $t;
	my $sc = $conf->{scores}->{$name};
	my $sub = $name =~ /^__/;
	# local_tests_only: SpamAssassin does not run "tflags net" rules
	# (DNSBL, URIBL, SPF, DKIM, DMARC), whatever their score.
	my $net = ($conf->{tflags}->{$name} // '') =~ /\bnet\b/;
	$rules{$name} = {
		runs => (!$net && ($sub || (defined $sc && $sc != 0))) ?
		    JSON::PP::true : JSON::PP::false,
		type => $Mail::SpamAssassin::Conf::TYPE_AS_STRING{$t} // "$t",
		eval => ($t & 1) ? JSON::PP::true : JSON::PP::false,
		score => ($sc // 0) + 0,
		file => $conf->{source_file}->{$name} // '',
		where => $src{$name} // '',
		deps => [@{$conf->{meta_dependencies}->{$name} // []}],
	};
}
print $json->encode({ rules => \%rules }), "\n";
for my $f (@files) {
	# $/ undefined only for the read: SpamAssassin's code chomps (header
	# values, for one), and under an undefined $/ chomp removes nothing.
	my $raw = do {
		open(my $fh, '<', $f) or die "$f: $!\n";
		local $/;
		<$fh>;
	};
	my $msg = $sa->parse($raw, 0);
	my $st = $sa->check($msg);
	my $h = $st->get_names_of_tests_hit_with_scores_hash();
	# A "tflags multiple" rule adds its score once per hit (got_hit):
	# its contribution is the score times SpamAssassin's count.
	my %tests = map {
		my $n = $st->{tests_already_hit}->{$_} || 1;
		my $tf = $sa->{conf}->{tflags}->{$_} // '';
		$_ => ($h->{$_} + 0) * ($tf =~ /\bmultiple\b/ ? $n : 1)
	} keys %$h;
	my @sub = grep { $_ ne '' } split(/,/, $st->get_names_of_subtests_hit());
	my %seen;
	@sub = grep { !$seen{$_}++ } @sub;
	print $json->encode({
		file => $f,
		score => $st->get_score() + 0,
		required => $st->get_required_score() + 0,
		tests => \%tests,
		subtests => [sort @sub],
	}), "\n";
	$st->finish();
	$msg->finish();
}
$sa->finish();
