package org.truckeefs.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.FsException;
import org.truckeefs.api.LockRange;
import org.truckeefs.api.LockRange.Type;
import org.truckeefs.spi.LockRangeSet;
import org.truckeefs.spi.LockRangeSet.Held;

/** The range arithmetic shared by every coordinator (it lives in truckeefs-api, which has no tests of its own). */
class LockRangeSetTest {
  private static LockRange r(Type t, long s, long e) {
    return new LockRange(t, s, e, 7);
  }

  private static List<List<Object>> shape(LockRangeSet set) {
    return set.locks().stream()
        .map(h -> List.<Object>of(h.session(), h.owner(), h.range().type(), h.range().start(), h.range().end()))
        .toList();
  }

  @Test
  void unlockInside_splitsIntoTwo() throws FsException {
    LockRangeSet s = LockRangeSet.empty().apply("a", 1, r(Type.WRITE, 0, 99)).apply("a", 1, r(Type.UNLOCK, 10, 19));
    assertThat(shape(s)).containsExactly(List.of("a", 1L, Type.WRITE, 0L, 9L), List.of("a", 1L, Type.WRITE, 20L, 99L));
  }

  @Test
  void adjacentAndOverlappingSameType_merge() throws FsException {
    LockRangeSet s = LockRangeSet.empty().apply("a", 1, r(Type.READ, 0, 9)).apply("a", 1, r(Type.READ, 20, 29))
        .apply("a", 1, r(Type.READ, 10, 19));
    assertThat(shape(s)).containsExactly(List.of("a", 1L, Type.READ, 0L, 29L));
  }

  @Test
  void differentTypeInTheMiddle_replacesThatPartOnly() throws FsException {
    LockRangeSet s = LockRangeSet.empty().apply("a", 1, r(Type.READ, 0, 99)).apply("a", 1, r(Type.WRITE, 40, 59));
    assertThat(shape(s)).containsExactly(List.of("a", 1L, Type.READ, 0L, 39L), List.of("a", 1L, Type.WRITE, 40L, 59L),
        List.of("a", 1L, Type.READ, 60L, 99L));
    LockRangeSet back = s.apply("a", 1, r(Type.READ, 40, 59));
    assertThat(shape(back)).containsExactly(List.of("a", 1L, Type.READ, 0L, 99L));
  }

  @Test
  void toEndOfFile_mergesWithoutOverflow() throws FsException {
    LockRangeSet s = LockRangeSet.empty().apply("a", 1, r(Type.WRITE, 100, Long.MAX_VALUE))
        .apply("a", 1, r(Type.WRITE, 200, Long.MAX_VALUE)).apply("a", 1, r(Type.WRITE, 0, 99));
    assertThat(shape(s)).containsExactly(List.of("a", 1L, Type.WRITE, 0L, Long.MAX_VALUE));
  }

  @Test
  void conflicts_onlyBetweenOwners_andOnlyWithAWrite() throws FsException {
    LockRangeSet s = LockRangeSet.empty().apply("a", 1, r(Type.READ, 0, 9)).apply("b", 1, r(Type.WRITE, 20, 29));
    assertThat(s.conflict("a", 1, r(Type.WRITE, 0, 9))).isEmpty();
    assertThat(s.conflict("a", 2, r(Type.READ, 0, 9))).isEmpty();
    assertThat(s.conflict("a", 2, r(Type.WRITE, 5, 5))).map(Held::session).contains("a");
    assertThat(s.conflict("a", 1, r(Type.READ, 25, 25))).map(Held::session).contains("b");
    assertThat(s.conflict("a", 1, r(Type.READ, 10, 19))).isEmpty();
  }

  @Test
  void otherOwnersRanges_areUntouched_byApplyAndRelease() throws FsException {
    LockRangeSet s = LockRangeSet.empty().apply("a", 1, r(Type.READ, 0, 9)).apply("a", 2, r(Type.READ, 0, 9));
    assertThat(s.apply("a", 1, r(Type.UNLOCK, 0, Long.MAX_VALUE)).locks()).extracting(Held::owner).containsExactly(2L);
    assertThat(s.withoutOwner("a", 2).locks()).extracting(Held::owner).containsExactly(1L);
    assertThat(s.retainSessions(x -> false).isEmpty()).isTrue();
  }

  @Test
  void encode_decode_roundTrips() throws FsException {
    LockRangeSet s = LockRangeSet.empty().apply("s-1", 3, new LockRange(Type.WRITE, 5, Long.MAX_VALUE, 4242))
        .apply("s-2", -9, r(Type.READ, 0, 4));
    assertThat(LockRangeSet.decode(s.encode())).isEqualTo(s);
    assertThat(LockRangeSet.decode("")).isEqualTo(LockRangeSet.empty());
    assertThatThrownBy(() -> LockRangeSet.decode("garbage")).isInstanceOf(FsException.class);
  }

  @Test
  void emptyOrNegativeRange_isInvalid() {
    assertThatThrownBy(() -> LockRangeSet.empty().apply("a", 1, r(Type.READ, 5, 4))).isInstanceOf(FsException.class);
    assertThatThrownBy(() -> LockRangeSet.empty().conflict("a", 1, r(Type.READ, -1, 4))).isInstanceOf(FsException.class);
  }
}
