package org.truckeefs.fuse.ffm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InodeRefsTest {
  @Test
  void countsLookupsUntilTheKernelForgetsThem() {
    InodeRefs r = new InodeRefs();
    r.add(7);
    r.add(7);
    r.add(9);
    assertThat(r.count(7)).isEqualTo(2);
    assertThat(r.known(7)).isTrue();
    r.forget(7, 1);
    assertThat(r.count(7)).isEqualTo(1);
    r.forget(7, 1);
    assertThat(r.known(7)).isFalse();
    assertThat(r.count(7)).isZero();
    assertThat(r.size()).isEqualTo(1);
  }

  @Test
  void aForgetOfMoreThanWasCountedOrOfAnUnknownInodeLeavesNothingBehind() {
    InodeRefs r = new InodeRefs();
    r.add(3);
    r.forget(3, 5);
    r.forget(4, 1);
    assertThat(r.size()).isZero();
    assertThat(r.count(4)).isZero();
  }

  @Test
  void theRootIsAlwaysKnown() {
    InodeRefs r = new InodeRefs();
    assertThat(r.known(1)).isTrue();
    r.add(5);
    assertThat(r.known()).containsExactlyInAnyOrder(1L, 5L);
  }
}
