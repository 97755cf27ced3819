package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.truckeefs.core.TestFs.*;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.Caller;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.DirListing;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.api.SetAttr;
import org.truckeefs.api.TimeSpec;
import org.truckeefs.api.XattrMode;

class NamespaceTest {
  static final Caller ALICE = Caller.of(1000, 1000);
  static final Caller BOB = Caller.of(1001, 1001);
  static final Caller CAROL_IN_ALICES_GROUP = Caller.of(1002, 1002, 1000);

  @TempDir Path tmp;
  RiverFS fs;
  InodeId root = InodeId.ROOT;

  @BeforeEach
  void setUp() throws Exception {
    fs = TestFs.local(tmp).open();
    fs.setattr(ROOT, root, SetAttr.chmod(01777), -1);
  }

  @AfterEach
  void tearDown() throws Exception {
    fs.close();
  }

  static void assertErrno(FsError expected, ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(expected));
  }

  InodeAttributes mkfile(Caller c, InodeId dir, String name, int mode) throws FsException {
    var r = fs.create(c, dir, n(name), mode, OpenFlags.WRITE);
    fs.release(r.handle());
    return r.attributes();
  }

  @Nested
  class Lookup {
    @Test
    void dotAndDotDot_resolve() throws Exception {
      InodeAttributes d = fs.mkdir(ROOT, root, n("d"), 0755);
      assertThat(fs.lookup(ROOT, d.id(), n(".")).id()).isEqualTo(d.id());
      assertThat(fs.lookup(ROOT, d.id(), n("..")).id()).isEqualTo(root);
      assertThat(fs.lookup(ROOT, root, n("..")).id()).isEqualTo(root);
    }

    @Test
    void missing_isEnoent_andNonDirectoryParent_isEnotdir() throws Exception {
      InodeAttributes f = mkfile(ROOT, root, "f", 0644);
      assertErrno(FsError.NOT_FOUND, () -> fs.lookup(ROOT, root, n("nope")));
      assertErrno(FsError.NOT_DIRECTORY, () -> fs.lookup(ROOT, f.id(), n("x")));
    }

    @Test
    void withoutSearchPermission_isEacces() throws Exception {
      InodeAttributes d = fs.mkdir(ALICE, root, n("private"), 0700);
      mkfile(ALICE, d.id(), "f", 0644);
      assertErrno(FsError.ACCESS_DENIED, () -> fs.lookup(BOB, d.id(), n("f")));
    }
  }

  @Nested
  class Directories {
    @Test
    void mkdirOverExisting_isEexist_andChangesNothing() throws Exception {
      fs.mkdir(ROOT, root, n("d"), 0755);
      long before = fs.getattr(root).nlink();
      assertErrno(FsError.EXISTS, () -> fs.mkdir(ROOT, root, n("d"), 0755));
      assertThat(fs.getattr(root).nlink()).isEqualTo(before);
    }

    @Test
    void nlink_countsSubdirectories() throws Exception {
      InodeAttributes d = fs.mkdir(ROOT, root, n("d"), 0755);
      fs.mkdir(ROOT, d.id(), n("a"), 0755);
      fs.mkdir(ROOT, d.id(), n("b"), 0755);
      assertThat(fs.getattr(d.id()).nlink()).isEqualTo(4);
      fs.rmdir(ROOT, d.id(), n("a"));
      assertThat(fs.getattr(d.id()).nlink()).isEqualTo(3);
    }

    @Test
    void rmdirNonEmpty_isEnotempty_andUnlinkOfDirectory_isEisdir() throws Exception {
      InodeAttributes d = fs.mkdir(ROOT, root, n("d"), 0755);
      mkfile(ROOT, d.id(), "f", 0644);
      assertErrno(FsError.NOT_EMPTY, () -> fs.rmdir(ROOT, root, n("d")));
      assertErrno(FsError.IS_DIRECTORY, () -> fs.unlink(ROOT, root, n("d")));
      assertErrno(FsError.NOT_DIRECTORY, () -> fs.rmdir(ROOT, d.id(), n("f")));
      assertErrno(FsError.INVALID, () -> fs.rmdir(ROOT, d.id(), n(".")));
      assertThat(fs.lookup(ROOT, d.id(), n("f"))).isNotNull();
    }

    @Test
    void setgidDirectory_handsDownGroupAndBit() throws Exception {
      InodeAttributes d = fs.mkdir(ROOT, root, n("shared"), 0777);
      fs.setattr(ROOT, d.id(), SetAttr.chown(null, 500), -1);
      fs.setattr(ROOT, d.id(), SetAttr.chmod(02777), -1);
      InodeAttributes sub = fs.mkdir(ALICE, d.id(), n("sub"), 0755);
      InodeAttributes f = mkfile(ALICE, d.id(), "f", 0644);
      assertThat(sub.gid()).isEqualTo(500);
      assertThat(sub.mode() & Access.S_ISGID).isNotZero();
      assertThat(f.gid()).isEqualTo(500);
      assertThat(f.mode() & Access.S_ISGID).isZero();
    }

    @Test
    void readdir_hasDotEntries_andCookiesStayValidWhileTheDirectoryChanges() throws Exception {
      InodeAttributes d = fs.mkdir(ROOT, root, n("d"), 0755);
      for (int i = 0; i < 10; i++) {
        mkfile(ROOT, d.id(), "f" + i, 0644);
      }
      long h = fs.opendir(ROOT, d.id());
      DirListing first = fs.readdir(h, 0, 4);
      assertThat(first.entries()).extracting(e -> e.name().toString()).containsExactly(".", "..", "f0", "f1");
      assertThat(first.entries().get(0).cookie()).isEqualTo(1);
      assertThat(first.entries().get(1).cookie()).isEqualTo(2);
      assertThat(first.entries().get(2).cookie()).isGreaterThan(2);
      fs.unlink(ROOT, d.id(), n("f0"));
      fs.unlink(ROOT, d.id(), n("f2"));
      mkfile(ROOT, d.id(), "new", 0644);
      List<String> rest = new ArrayList<>();
      long cookie = first.entries().get(3).cookie();
      while (true) {
        DirListing l = fs.readdir(h, cookie, 3);
        for (DirEntry e : l.entries()) {
          rest.add(e.name().toString());
          cookie = e.cookie();
        }
        if (l.end()) {
          break;
        }
      }
      assertThat(rest).containsExactly("f3", "f4", "f5", "f6", "f7", "f8", "f9", "new");
      fs.releasedir(h);
      assertErrno(FsError.BAD_HANDLE, () -> fs.readdir(h, 0, 10));
    }

    @Test
    void opendirWithoutReadPermission_isEacces() throws Exception {
      InodeAttributes d = fs.mkdir(ALICE, root, n("d"), 0311);
      assertErrno(FsError.ACCESS_DENIED, () -> fs.opendir(BOB, d.id()));
    }
  }

  @Nested
  class Files {
    @Test
    void createExclusive_onExisting_isEexist() throws Exception {
      mkfile(ROOT, root, "f", 0644);
      assertErrno(FsError.EXISTS,
          () -> fs.create(ROOT, root, n("f"), 0644, OpenFlags.WRITE.with(OpenFlags.O_EXCL | OpenFlags.O_CREAT)));
    }

    @Test
    void openDirectoryForWriting_isEisdir_andReadingADirectoryHandle_isEisdir() throws Exception {
      InodeAttributes d = fs.mkdir(ROOT, root, n("d"), 0755);
      assertErrno(FsError.IS_DIRECTORY, () -> fs.open(ROOT, d.id(), OpenFlags.WRITE));
      long h = fs.open(ROOT, d.id(), OpenFlags.READ).handle();
      assertErrno(FsError.IS_DIRECTORY, () -> fs.read(h, 0, java.nio.ByteBuffer.allocate(10)));
      fs.release(h);
    }

    @Test
    void writeToReadOnlyHandle_isEbadf_andUnknownHandle_isEbadf() throws Exception {
      InodeAttributes f = mkfile(ROOT, root, "f", 0644);
      long h = fs.open(ROOT, f.id(), OpenFlags.READ).handle();
      assertErrno(FsError.BAD_HANDLE, () -> write(fs, h, 0, bytes("x")));
      assertThat(fs.getattr(f.id()).size()).isZero();
      assertErrno(FsError.BAD_HANDLE, () -> fs.read(4242, 0, java.nio.ByteBuffer.allocate(1)));
      fs.release(h);
      assertErrno(FsError.BAD_HANDLE, () -> fs.release(h));
    }

    @Test
    void openForWriteWithoutPermission_isEacces_butTheCreatorMayWriteANewReadOnlyFile() throws Exception {
      var r = fs.create(ALICE, root, n("ro"), 0444, OpenFlags.READ_WRITE);
      write(fs, r.handle(), 0, bytes("ok"));
      fs.release(r.handle());
      assertErrno(FsError.ACCESS_DENIED, () -> fs.open(ALICE, r.attributes().id(), OpenFlags.WRITE));
      assertErrno(FsError.ACCESS_DENIED, () -> fs.open(BOB, r.attributes().id(), OpenFlags.WRITE));
      assertErrno(FsError.ACCESS_DENIED,
          () -> fs.open(BOB, r.attributes().id(), OpenFlags.READ.with(OpenFlags.O_TRUNC)));
    }

    @Test
    void openTrunc_emptiesTheFile() throws Exception {
      var r = fs.create(ROOT, root, n("f"), 0644, OpenFlags.WRITE);
      write(fs, r.handle(), 0, bytes("hello"));
      fs.release(r.handle());
      var h = fs.open(ROOT, r.attributes().id(), OpenFlags.WRITE.with(OpenFlags.O_TRUNC));
      assertThat(h.attributes().size()).isZero();
      fs.release(h.handle());
    }

    @Test
    void hardLinks_countAndSurviveUnlinkOfOneName() throws Exception {
      var r = fs.create(ROOT, root, n("a"), 0644, OpenFlags.WRITE);
      write(fs, r.handle(), 0, bytes("data"));
      fs.release(r.handle());
      InodeAttributes l = fs.link(ROOT, r.attributes().id(), root, n("b"));
      assertThat(l.nlink()).isEqualTo(2);
      fs.unlink(ROOT, root, n("a"));
      InodeAttributes b = fs.lookup(ROOT, root, n("b"));
      assertThat(b.nlink()).isEqualTo(1);
      long h = fs.open(ROOT, b.id(), OpenFlags.READ).handle();
      assertThat(read(fs, h, 0, 10)).isEqualTo(bytes("data"));
      InodeAttributes d = fs.mkdir(ROOT, root, n("d"), 0755);
      assertErrno(FsError.NOT_PERMITTED, () -> fs.link(ROOT, d.id(), root, n("dl")));
    }

    @Test
    void symlinkAndReadlink() throws Exception {
      InodeAttributes s = fs.symlink(ALICE, root, n("s"), "target/path");
      assertThat(s.type()).isEqualTo(InodeType.SYMLINK);
      assertThat(s.size()).isEqualTo(11);
      assertThat(fs.readlink(ALICE, s.id())).isEqualTo("target/path");
      InodeAttributes f = mkfile(ROOT, root, "f", 0644);
      assertErrno(FsError.INVALID, () -> fs.readlink(ROOT, f.id()));
      assertErrno(FsError.LOOP, () -> fs.open(ROOT, s.id(), OpenFlags.READ));
    }

    @Test
    void mknod_makesFifosAndDevicesAsMetadata_devicesOnlyForRoot() throws Exception {
      InodeAttributes fifo = fs.mknod(ALICE, root, n("fifo"), InodeType.FIFO.modeBits() | 0644, 0);
      assertThat(fifo.type()).isEqualTo(InodeType.FIFO);
      InodeAttributes dev = fs.mknod(ROOT, root, n("null"), InodeType.CHAR_DEVICE.modeBits() | 0666, 0x0103);
      assertThat(dev.rdev()).isEqualTo(0x0103);
      assertErrno(FsError.NOT_PERMITTED,
          () -> fs.mknod(ALICE, root, n("dev"), InodeType.BLOCK_DEVICE.modeBits() | 0600, 1));
      InodeAttributes reg = fs.mknod(ALICE, root, n("reg"), 0644, 0);
      assertThat(reg.type()).isEqualTo(InodeType.FILE);
    }
  }

  @Nested
  class Renames {
    @Test
    void rename_replacesAFile_andPurgesTheReplaced() throws Exception {
      InodeAttributes a = mkfile(ROOT, root, "a", 0644);
      InodeAttributes b = mkfile(ROOT, root, "b", 0644);
      fs.rename(ROOT, root, n("a"), root, n("b"), RenameFlags.NONE);
      assertThat(fs.lookup(ROOT, root, n("b")).id()).isEqualTo(a.id());
      assertErrno(FsError.NOT_FOUND, () -> fs.getattr(b.id()));
    }

    @Test
    void noreplace_isEexist_exchange_swaps() throws Exception {
      InodeAttributes a = mkfile(ROOT, root, "a", 0644);
      InodeAttributes b = fs.mkdir(ROOT, root, n("b"), 0755);
      assertErrno(FsError.EXISTS, () -> fs.rename(ROOT, root, n("a"), root, n("b"), RenameFlags.NOREPLACE));
      fs.rename(ROOT, root, n("a"), root, n("b"), RenameFlags.EXCHANGE);
      assertThat(fs.lookup(ROOT, root, n("a")).id()).isEqualTo(b.id());
      assertThat(fs.lookup(ROOT, root, n("b")).id()).isEqualTo(a.id());
      assertErrno(FsError.NOT_FOUND, () -> fs.rename(ROOT, root, n("a"), root, n("zz"), RenameFlags.EXCHANGE));
    }

    @Test
    void directoryIntoItsOwnSubtree_isEinval() throws Exception {
      InodeAttributes d = fs.mkdir(ROOT, root, n("d"), 0755);
      InodeAttributes sub = fs.mkdir(ROOT, d.id(), n("sub"), 0755);
      assertErrno(FsError.INVALID, () -> fs.rename(ROOT, root, n("d"), sub.id(), n("x"), RenameFlags.NONE));
      assertThat(fs.lookup(ROOT, root, n("d")).id()).isEqualTo(d.id());
    }

    @Test
    void overNonEmptyDirectory_isEnotempty_overEmpty_replaces() throws Exception {
      fs.mkdir(ROOT, root, n("src"), 0755);
      InodeAttributes full = fs.mkdir(ROOT, root, n("full"), 0755);
      mkfile(ROOT, full.id(), "x", 0644);
      fs.mkdir(ROOT, root, n("empty"), 0755);
      assertErrno(FsError.NOT_EMPTY, () -> fs.rename(ROOT, root, n("src"), root, n("full"), RenameFlags.NONE));
      fs.rename(ROOT, root, n("src"), root, n("empty"), RenameFlags.NONE);
      assertErrno(FsError.NOT_FOUND, () -> fs.lookup(ROOT, root, n("src")));
    }

    @Test
    void stickyDirectory_protectsOthersEntries() throws Exception {
      mkfile(ALICE, root, "alices", 0666);
      assertErrno(FsError.NOT_PERMITTED, () -> fs.unlink(BOB, root, n("alices")));
      assertErrno(FsError.NOT_PERMITTED, () -> fs.rename(BOB, root, n("alices"), root, n("x"), RenameFlags.NONE));
      fs.unlink(ALICE, root, n("alices"));
    }
  }

  @Nested
  class Attributes {
    /** What the kernel asks, as the writing user, when a non-owner writes a setuid/setgid file: ext4 allows it. */
    @Test
    void nonOwnerWriter_mayDropSetuidAndSetgid_butChangeNothingElse() throws Exception {
      InodeAttributes f = mkfile(ALICE, root, "suid", 0666);
      fs.setattr(ALICE, f.id(), SetAttr.chmod(06777), -1);
      assertErrno(FsError.NOT_PERMITTED, () -> fs.setattr(BOB, f.id(), SetAttr.chmod(0700), -1));
      assertErrno(FsError.NOT_PERMITTED, () -> fs.setattr(BOB, f.id(), SetAttr.chmod(06777), -1));
      InodeAttributes after = fs.setattr(BOB, f.id(), SetAttr.chmod(0777), -1);
      assertThat(after.mode()).isEqualTo(0777);
      assertThat(fs.getattr(f.id()).mode()).isEqualTo(0777);
    }

    @Test
    void chmod_onlyOwner_andNonMemberLosesSetgid() throws Exception {
      InodeAttributes f = mkfile(ALICE, root, "f", 0644);
      assertErrno(FsError.NOT_PERMITTED, () -> fs.setattr(BOB, f.id(), SetAttr.chmod(0777), -1));
      fs.setattr(ROOT, f.id(), SetAttr.chown(null, 4242), -1);
      InodeAttributes after = fs.setattr(ALICE, f.id(), SetAttr.chmod(02755), -1);
      assertThat(after.mode()).isEqualTo(0755);
    }

    @Test
    void chown_rules() throws Exception {
      InodeAttributes f = mkfile(ALICE, root, "f", 04755);
      assertErrno(FsError.NOT_PERMITTED, () -> fs.setattr(ALICE, f.id(), SetAttr.chown(1001, null), -1));
      assertErrno(FsError.NOT_PERMITTED, () -> fs.setattr(ALICE, f.id(), SetAttr.chown(null, 4242), -1));
      assertErrno(FsError.NOT_PERMITTED, () -> fs.setattr(BOB, f.id(), SetAttr.chown(null, 1001), -1));
      Caller aliceInStaff = Caller.of(1000, 1000, 50);
      InodeAttributes g = fs.setattr(aliceInStaff, f.id(), SetAttr.chown(null, 50), -1);
      assertThat(g.gid()).isEqualTo(50);
      assertThat(g.mode() & Access.S_ISUID).as("chown clears setuid").isZero();
      InodeAttributes r = fs.setattr(ROOT, f.id(), SetAttr.chown(1001, 1001), -1);
      assertThat(r.uid()).isEqualTo(1001);
    }

    @Test
    void utimens_permissionRules() throws Exception {
      InodeAttributes f = mkfile(ALICE, root, "f", 0666);
      Instant t = Instant.parse("2001-02-03T04:05:06Z");
      assertErrno(FsError.NOT_PERMITTED, () -> fs.setattr(BOB, f.id(), SetAttr.times(TimeSpec.at(t), null), -1));
      fs.setattr(BOB, f.id(), SetAttr.times(TimeSpec.now(), TimeSpec.now()), -1); // write access suffices
      InodeAttributes g = mkfile(ALICE, root, "g", 0644);
      assertErrno(FsError.ACCESS_DENIED, () -> fs.setattr(BOB, g.id(), SetAttr.times(TimeSpec.now(), null), -1));
      InodeAttributes a = fs.setattr(ALICE, f.id(), SetAttr.times(null, TimeSpec.at(t)), -1);
      assertThat(a.mtime()).isEqualTo(t);
      assertThat(a.atime()).isNotEqualTo(t);
    }

    @Test
    void utimensAfterWrite_isNotUndoneByTheLaterUpload() throws Exception {
      var r = fs.create(ROOT, root, n("f"), 0644, OpenFlags.WRITE);
      write(fs, r.handle(), 0, bytes("data"));
      fs.release(r.handle());
      Instant t = Instant.parse("2001-02-03T04:05:06Z");
      fs.setattr(ROOT, r.attributes().id(), SetAttr.times(null, TimeSpec.at(t)), -1);
      fs.syncAll();
      assertThat(fs.getattr(r.attributes().id()).mtime()).isEqualTo(t);
      assertThat(fs.getattr(r.attributes().id()).size()).isEqualTo(4);
    }

    @Test
    void truncateWithoutWritePermission_isEacces_andOfADirectory_isEisdir() throws Exception {
      InodeAttributes f = mkfile(ALICE, root, "f", 0644);
      assertErrno(FsError.ACCESS_DENIED, () -> fs.setattr(BOB, f.id(), SetAttr.truncate(0), -1));
      InodeAttributes d = fs.mkdir(ROOT, root, n("d"), 0755);
      assertErrno(FsError.IS_DIRECTORY, () -> fs.setattr(ROOT, d.id(), SetAttr.truncate(0), -1));
    }

    @Test
    void supplementaryGroups_grantGroupPermission() throws Exception {
      InodeAttributes f = mkfile(ALICE, root, "f", 0640);
      fs.access(CAROL_IN_ALICES_GROUP, f.id(), Access.R);
      assertErrno(FsError.ACCESS_DENIED, () -> fs.access(CAROL_IN_ALICES_GROUP, f.id(), Access.W));
      assertErrno(FsError.ACCESS_DENIED, () -> fs.access(BOB, f.id(), Access.R));
      fs.access(ROOT, f.id(), Access.R | Access.W);
      assertErrno(FsError.ACCESS_DENIED, () -> fs.access(ROOT, f.id(), Access.X));
    }
  }

  @Nested
  class Xattrs {
    @Test
    void createReplaceListRemove() throws Exception {
      InodeAttributes f = mkfile(ALICE, root, "f", 0644);
      fs.setxattr(ALICE, f.id(), "user.a", bytes("1"), XattrMode.CREATE);
      assertErrno(FsError.EXISTS, () -> fs.setxattr(ALICE, f.id(), "user.a", bytes("2"), XattrMode.CREATE));
      assertErrno(FsError.NO_DATA, () -> fs.setxattr(ALICE, f.id(), "user.b", bytes("2"), XattrMode.REPLACE));
      fs.setxattr(ALICE, f.id(), "user.a", bytes("3"), XattrMode.REPLACE);
      assertThat(fs.getxattr(ALICE, f.id(), "user.a")).isEqualTo(bytes("3"));
      assertThat(fs.listxattr(ALICE, f.id())).containsExactly("user.a");
      fs.removexattr(ALICE, f.id(), "user.a");
      assertErrno(FsError.NO_DATA, () -> fs.getxattr(ALICE, f.id(), "user.a"));
    }

    @Test
    void namesAndSizesAreLimited_andPrivilegedNamespacesAreRootOnly() throws Exception {
      InodeAttributes f = mkfile(ALICE, root, "f", 0644);
      assertErrno(FsError.NOT_SUPPORTED, () -> fs.setxattr(ALICE, f.id(), "plain", bytes("1"), XattrMode.EITHER));
      assertErrno(FsError.RANGE,
          () -> fs.setxattr(ALICE, f.id(), "user." + "x".repeat(300), bytes("1"), XattrMode.EITHER));
      assertErrno(FsError.ARG_LIST_TOO_LONG,
          () -> fs.setxattr(ALICE, f.id(), "user.big", new byte[64 * 1024 + 1], XattrMode.EITHER));
      assertErrno(FsError.NOT_PERMITTED, () -> fs.setxattr(ALICE, f.id(), "trusted.t", bytes("1"), XattrMode.EITHER));
      fs.setxattr(ROOT, f.id(), "trusted.t", bytes("1"), XattrMode.EITHER);
      assertThat(fs.listxattr(ALICE, f.id())).doesNotContain("trusted.t");
      assertThat(fs.listxattr(ROOT, f.id())).contains("trusted.t");
      assertErrno(FsError.NO_DATA, () -> fs.getxattr(ALICE, f.id(), "trusted.t"));
      assertErrno(FsError.ACCESS_DENIED, () -> fs.setxattr(BOB, f.id(), "user.x", bytes("1"), XattrMode.EITHER));
    }
  }

  @Test
  void statfs_reportsRealNumbers() throws Exception {
    mkfile(ROOT, root, "f", 0644);
    var s = fs.statfs();
    assertThat(s.blockSize()).isPositive();
    assertThat(s.totalBlocks()).isGreaterThanOrEqualTo(s.freeBlocks()).isPositive();
    assertThat(s.totalInodes() - s.freeInodes()).isEqualTo(2);
    assertThat(s.maxNameLength()).isEqualTo(255);
  }
}
