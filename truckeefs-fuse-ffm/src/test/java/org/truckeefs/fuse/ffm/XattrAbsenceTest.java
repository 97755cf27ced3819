package org.truckeefs.fuse.ffm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.truckeefs.api.FsChange;
import org.truckeefs.api.InodeId;

class XattrAbsenceTest {
  @Test
  void remembersAnAbsenceUntilTheInodeChanges() {
    XattrAbsence x = new XattrAbsence(30);
    x.noteAbsent(5, "security.selinux", x.epoch());
    assertThat(x.isAbsent(5, "security.selinux")).isTrue();
    assertThat(x.isAbsent(5, "user.other")).isFalse();
    x.on(new FsChange.Attributes(InodeId.of(5), true));
    assertThat(x.isAbsent(5, "security.selinux")).isFalse();
  }

  @Test
  void anAnswerThatRacedWithAnInvalidationIsNotKept() {
    XattrAbsence x = new XattrAbsence(30);
    long before = x.epoch();
    x.forget(9); // a setxattr committed while the query ran
    x.noteAbsent(5, "user.a", before);
    assertThat(x.isAbsent(5, "user.a")).isFalse();
  }

  @Test
  void overflowForgetsEverythingAndZeroTtlCachesNothing() {
    XattrAbsence x = new XattrAbsence(30);
    x.noteAbsent(1, "a", x.epoch());
    x.on(new FsChange.Overflow(true));
    assertThat(x.isAbsent(1, "a")).isFalse();
    XattrAbsence none = new XattrAbsence(0);
    none.noteAbsent(1, "a", none.epoch());
    assertThat(none.isAbsent(1, "a")).isFalse();
  }
}
