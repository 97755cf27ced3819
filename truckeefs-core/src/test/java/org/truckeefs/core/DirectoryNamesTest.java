package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;
import org.truckeefs.testkit.FakeTicker;

/** The names of directories this host made: what is known absent, for how long, and within what bound. */
class DirectoryNamesTest {
  final FakeTicker ticker = new FakeTicker();
  final DirectoryNames names = new DirectoryNames(ticker, Duration.ofSeconds(30), 5);
  final InodeId d = InodeId.of(10);
  final InodeId e = InodeId.of(11);

  static Name n(String s) throws FsException {
    return Name.of(s);
  }

  @Test
  void aDirectoryThisHostMade_knowsItsNames_followingThisHostsChanges() throws Exception {
    assertThat(names.absent(d, n("x"))).as("not made here").isFalse();
    names.made(d, names.mark());
    assertThat(names.absent(d, n("x"))).isTrue();
    names.added(d, n("x"));
    assertThat(names.absent(d, n("x"))).isFalse();
    names.removed(d, n("x"));
    assertThat(names.absent(d, n("x"))).isTrue();
  }

  @Test
  void aZeroLifetime_keepsNoDirectory() throws Exception {
    DirectoryNames off = new DirectoryNames(ticker, Duration.ZERO, 5);
    off.made(d, off.mark());
    off.added(d, n("x"));
    assertThat(off.absent(d, n("y"))).as("the metadata cache is off: every lookup asks the store").isFalse();
    assertThat(off.size()).isZero();
  }

  @Test
  void itIsForgotten_byAnotherHostsChange_aGap_orTheEndOfItsLifetime() throws Exception {
    names.made(d, names.mark());
    names.remoteChange(d);
    assertThat(names.absent(d, n("x"))).isFalse();

    names.made(d, names.mark());
    names.clear();
    assertThat(names.absent(d, n("x"))).isFalse();

    names.made(d, names.mark());
    ticker.advance(Duration.ofSeconds(30));
    assertThat(names.absent(d, n("x"))).isTrue();
    ticker.advance(Duration.ofMillis(1));
    assertThat(names.absent(d, n("x"))).isFalse();
    assertThat(names.size()).isZero();
  }

  @Test
  void aDirectoryMadeWhileAnotherHostsChangeCameIn_isNotTrusted() throws Exception {
    long mark = names.mark();
    names.remoteChange(e); // another host may already have added a name to the new directory
    names.made(d, mark);
    assertThat(names.absent(d, n("x"))).isFalse();
  }

  @Test
  void theNamesStayBounded_theLeastRecentlyUsedDirectoryGoesFirst() throws Exception {
    names.made(d, names.mark());
    names.made(e, names.mark());
    names.added(d, n("a"));
    names.added(d, n("b"));
    names.added(e, n("c"));
    names.added(d, n("d")); // d is the most recently used
    names.added(d, n("e"));
    names.added(d, n("f")); // six names: e (least recent) goes
    assertThat(names.size()).isOne();
    assertThat(names.absent(e, n("z"))).isFalse();
    assertThat(names.absent(d, n("z"))).isTrue();

    names.added(d, n("g")); // d alone outgrows the bound
    assertThat(names.size()).isZero();
    assertThat(names.absent(d, n("z"))).isFalse();
  }
}
