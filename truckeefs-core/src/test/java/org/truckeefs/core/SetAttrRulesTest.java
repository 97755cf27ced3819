package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.Caller;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.SetAttr;
import org.truckeefs.api.TimeSpec;

/** The setattr rules as Linux (ext4) applies them, without a filesystem. */
class SetAttrRulesTest {
  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  static final long MAX = 1L << 52;
  static final Caller OWNER = Caller.of(1000, 1000);
  static final Caller OTHER = Caller.of(2000, 2000);
  static final Caller OTHER_IN_GROUP_7 = Caller.of(2000, 2000, 7);

  static InodeAttributes file(int mode) {
    return new InodeAttributes(InodeId.of(5), InodeType.FILE, mode, 1000, 1000, 10, 1, 0, NOW, NOW, NOW, NOW, 0);
  }

  static InodeAttributes dir(int mode) {
    return new InodeAttributes(InodeId.of(6), InodeType.DIRECTORY, mode, 1000, 1000, 0, 2, 0, NOW, NOW, NOW, NOW, 0);
  }

  static SetAttrRules.Plan decide(Caller c, InodeAttributes a, SetAttr s) throws FsException {
    return SetAttrRules.decide(c, a, s, null, NOW, MAX);
  }

  static void assertError(FsError e, ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOfSatisfying(FsException.class, x -> assertThat(x.error()).isEqualTo(e));
  }

  @Test
  void chmod_byTheOwnerOrRoot_notByOthers() throws Exception {
    assertThat(decide(OWNER, file(0644), SetAttr.chmod(0600)).mode()).isEqualTo(0600);
    assertThat(decide(Caller.ROOT, file(0644), SetAttr.chmod(0600)).mode()).isEqualTo(0600);
    assertError(FsError.NOT_PERMITTED, () -> decide(OTHER, file(0666), SetAttr.chmod(0600)));
  }

  @Test
  void aNonOwnerWriter_mayOnlyDropSetuidAndSetgid_asTheKernelAsksAfterItsWrite() throws Exception {
    assertThat(decide(OTHER, file(06777), SetAttr.chmod(0777)).mode()).isEqualTo(0777);
    assertError(FsError.NOT_PERMITTED, () -> decide(OTHER, file(06777), SetAttr.chmod(0755)));
    assertError(FsError.NOT_PERMITTED, () -> decide(OTHER, file(0777), SetAttr.chmod(0777)));
  }

  @Test
  void chmodBySomeoneOutsideTheGroup_dropsSetgid() throws Exception {
    InodeAttributes a = new InodeAttributes(InodeId.of(5), InodeType.FILE, 0644, 1000, 7, 0, 1, 0, NOW, NOW, NOW,
        NOW, 0);
    assertThat(decide(OWNER, a, SetAttr.chmod(02755)).mode()).isEqualTo(0755);
    assertThat(decide(Caller.ROOT, a, SetAttr.chmod(02755)).mode()).isEqualTo(02755);
  }

  @Test
  void chown_onlyRootGivesAway_theOwnerMayPickAGroupItIsIn() throws Exception {
    assertError(FsError.NOT_PERMITTED, () -> decide(OWNER, file(0644), SetAttr.chown(2000, null)));
    assertError(FsError.NOT_PERMITTED, () -> decide(OWNER, file(0644), SetAttr.chown(null, 7)));
    assertError(FsError.NOT_PERMITTED, () -> decide(OTHER_IN_GROUP_7, file(0644), SetAttr.chown(null, 7)));
    InodeAttributes mine = file(0644);
    assertThat(decide(Caller.of(1000, 1000, 7), mine, SetAttr.chown(null, 7)).gid()).isEqualTo(7);
    assertThat(decide(Caller.ROOT, mine, SetAttr.chown(2000, 2000)).uid()).isEqualTo(2000);
  }

  @Test
  void chown_ofAFile_dropsSetuid_butNotOfADirectory() throws Exception {
    assertThat(decide(Caller.ROOT, file(04755), SetAttr.chown(2000, null)).mode()).isEqualTo(0755);
    assertThat(decide(Caller.ROOT, dir(04755), SetAttr.chown(2000, null)).mode()).isNull();
  }

  @Test
  void truncate_needsWritePermissionOrAWritableHandle_andDropsPrivilegesOfNonRoot() throws Exception {
    assertError(FsError.ACCESS_DENIED, () -> decide(OTHER, file(0644), SetAttr.truncate(0)));
    assertThat(decide(OTHER, file(06676), SetAttr.truncate(0)).mode()).isEqualTo(0676);
    assertThat(decide(OTHER, file(06666), SetAttr.truncate(0)).mode()).as("setgid without group-exec stays")
        .isEqualTo(02666);
    assertThat(decide(Caller.ROOT, file(06666), SetAttr.truncate(0)).mode()).isNull();
    assertThat(SetAttrRules.decide(OTHER, file(0644), SetAttr.truncate(0), OpenFlags.WRITE, NOW, MAX).mode())
        .isNull();
    assertError(FsError.INVALID,
        () -> SetAttrRules.decide(OWNER, file(0644), SetAttr.truncate(0), OpenFlags.READ, NOW, MAX));
  }

  @Test
  void truncate_ofADirectoryOrBeyondTheLimit_orNegative_isRefused() {
    assertError(FsError.IS_DIRECTORY, () -> decide(OWNER, dir(0755), SetAttr.truncate(0)));
    assertError(FsError.FILE_TOO_BIG, () -> decide(OWNER, file(0644), SetAttr.truncate(MAX + 1)));
    assertError(FsError.INVALID, () -> decide(OWNER, file(0644), SetAttr.truncate(-1)));
  }

  @Test
  void times_explicitOnlyByTheOwner_nowByAnyoneWhoMayWrite() throws Exception {
    Instant t = Instant.parse("2020-01-01T00:00:00Z");
    SetAttrRules.Plan p = decide(OWNER, file(0644), SetAttr.times(TimeSpec.at(t), TimeSpec.now()));
    assertThat(p.atime()).isEqualTo(t);
    assertThat(p.mtime()).isEqualTo(NOW);
    assertError(FsError.NOT_PERMITTED, () -> decide(OTHER, file(0666), SetAttr.times(TimeSpec.at(t), null)));
    assertThat(decide(OTHER, file(0666), SetAttr.times(TimeSpec.now(), TimeSpec.now())).mtime()).isEqualTo(NOW);
    assertError(FsError.ACCESS_DENIED, () -> decide(OTHER, file(0644), SetAttr.times(TimeSpec.now(), null)));
  }
}
