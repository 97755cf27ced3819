package org.truckeefs.testkit.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.Caller;
import org.truckeefs.api.FsError;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.PathFileSystem;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.api.SetAttr;
import org.truckeefs.api.TimeSpec;
import org.truckeefs.api.XattrMode;

/**
 * Calls that must fail: each asserts the errno Linux gives and that the tree (names, attributes, content, xattrs)
 * is exactly as before. Works on a fixed tree:
 *
 * <pre>
 * /file            0644 root  "data"
 * /link            -> /file
 * /dir/            0755 root
 * /dir/file        0644 root  "content"
 * /dir/sub/        0755 root  (empty)
 * /empty/          0755 root
 * /private/        0700 root
 * /private/secret  0600 root
 * /tmp/            1777 root
 * /tmp/alices      0644 alice (1000:1000)
 * </pre>
 */
public abstract class AbstractNegativeSuite extends FileSystemSuiteSupport {
  private PathFileSystem alice;
  private PathFileSystem bob;

  @BeforeEach
  void buildTree() throws Exception {
    paths.write("/file", "data".getBytes());
    paths.symlink("/file", "/link");
    paths.mkdir("/dir", 0755);
    paths.write("/dir/file", "content".getBytes());
    paths.mkdir("/dir/sub", 0755);
    paths.mkdir("/empty", 0755);
    paths.mkdir("/private", 0700);
    paths.write("/private/secret", "secret".getBytes());
    paths.chmod("/private/secret", 0600);
    paths.mkdir("/tmp", 0777);
    paths.chmod("/tmp", 01777);
    alice = paths.as(ALICE);
    bob = paths.as(BOB);
    alice.createFile("/tmp/alices", 0644);
    paths.setXattr("/file", "user.present", "yes".getBytes());
    // Let write-back finish, so the snapshots compare only what the failing call could have changed.
    for (String f : new String[] {"/file", "/dir/file", "/private/secret", "/tmp/alices"}) {
      long h = paths.open(f, OpenFlags.READ).handle();
      fs.fsync(h, false);
      fs.release(h);
    }
  }

  // ---- missing names

  @Test
  void lookupOfAMissingName_isNotFound() throws Exception {
    assertFailsAndChangesNothing(FsError.NOT_FOUND, () -> fs.lookup(ROOT, fs.root(), name("nope")));
  }

  @Test
  void openOfAMissingFile_isNotFound() throws Exception {
    assertFailsAndChangesNothing(FsError.NOT_FOUND, () -> paths.open("/nope", OpenFlags.READ));
  }

  @Test
  void createInAMissingDirectory_isNotFound() throws Exception {
    assertFailsAndChangesNothing(FsError.NOT_FOUND, () -> paths.createFile("/nodir/x"));
    assertFailsAndChangesNothing(FsError.NOT_FOUND, () -> paths.mkdir("/nodir/x"));
  }

  @Test
  void unlinkRmdirAndRenameOfMissingNames_areNotFound() throws Exception {
    assertFailsAndChangesNothing(FsError.NOT_FOUND, () -> fs.unlink(ROOT, fs.root(), name("nope")));
    assertFailsAndChangesNothing(FsError.NOT_FOUND, () -> fs.rmdir(ROOT, fs.root(), name("nope")));
    assertFailsAndChangesNothing(FsError.NOT_FOUND,
        () -> fs.rename(ROOT, fs.root(), name("nope"), fs.root(), name("other"), RenameFlags.NONE));
    assertFailsAndChangesNothing(FsError.NOT_FOUND, () -> paths.rename("/file", "/nodir/file"));
  }

  @Test
  void getattrOfAnUnknownInode_isNotFoundOrStale() throws Exception {
    Map<String, String> before = snapshot();
    assertErrnoIn(List.of(FsError.NOT_FOUND, FsError.STALE), () -> fs.getattr(InodeId.of(987_654_321L)));
    assertThat(snapshot()).isEqualTo(before);
  }

  // ---- wrong type

  @Test
  void readOfADirectory_isIsDirectory() throws Exception {
    assertFailsAndChangesNothing(FsError.IS_DIRECTORY, () -> paths.readAllBytes("/dir"));
  }

  @Test
  void openOfADirectoryForWriting_isIsDirectory() throws Exception {
    assertFailsAndChangesNothing(FsError.IS_DIRECTORY, () -> fs.open(ROOT, id("/dir"), OpenFlags.WRITE));
    assertFailsAndChangesNothing(FsError.IS_DIRECTORY, () -> fs.open(ROOT, id("/dir"), OpenFlags.READ_WRITE));
  }

  @Test
  void unlinkOfADirectory_isIsDirectory() throws Exception {
    assertFailsAndChangesNothing(FsError.IS_DIRECTORY, () -> fs.unlink(ROOT, fs.root(), name("empty")));
  }

  @Test
  void rmdirOfAFile_isNotADirectory() throws Exception {
    assertFailsAndChangesNothing(FsError.NOT_DIRECTORY, () -> fs.rmdir(ROOT, fs.root(), name("file")));
  }

  @Test
  void lookupThroughAFile_isNotADirectory() throws Exception {
    assertFailsAndChangesNothing(FsError.NOT_DIRECTORY, () -> fs.lookup(ROOT, id("/file"), name("x")));
    assertFailsAndChangesNothing(FsError.NOT_DIRECTORY, () -> paths.createFile("/file/x"));
  }

  @Test
  void opendirOfAFile_isNotADirectory() throws Exception {
    assertFailsAndChangesNothing(FsError.NOT_DIRECTORY, () -> fs.opendir(ROOT, id("/file")));
  }

  @Test
  void truncateOfADirectory_isIsDirectory() throws Exception {
    assertFailsAndChangesNothing(FsError.IS_DIRECTORY, () -> fs.setattr(ROOT, id("/dir"), SetAttr.truncate(0), -1));
  }

  @Test
  void truncateToANegativeSize_isInvalid() throws Exception {
    assertFailsAndChangesNothing(FsError.INVALID, () -> fs.setattr(ROOT, id("/file"), SetAttr.truncate(-1), -1));
  }

  @Test
  void readlinkOfAFile_isInvalid() throws Exception {
    assertFailsAndChangesNothing(FsError.INVALID, () -> paths.readlink("/file"));
    assertFailsAndChangesNothing(FsError.INVALID, () -> paths.readlink("/dir"));
  }

  @Test
  void linkOfADirectory_isNotPermitted() throws Exception {
    assertFailsAndChangesNothing(FsError.NOT_PERMITTED, () -> fs.link(ROOT, id("/dir"), fs.root(), name("dirlink")));
  }

  // ---- existing names

  @Test
  void mkdirOverAnExistingName_isExists() throws Exception {
    assertFailsAndChangesNothing(FsError.EXISTS, () -> fs.mkdir(ROOT, fs.root(), name("dir"), 0755));
    assertFailsAndChangesNothing(FsError.EXISTS, () -> fs.mkdir(ROOT, fs.root(), name("file"), 0755));
    assertFailsAndChangesNothing(FsError.EXISTS, () -> fs.mkdir(ROOT, fs.root(), name("link"), 0755));
  }

  @Test
  void exclusiveCreateOfAnExistingName_isExists() throws Exception {
    assertFailsAndChangesNothing(FsError.EXISTS, () -> fs.create(ROOT, fs.root(), name("file"), 0600,
        OpenFlags.WRITE.with(OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_TRUNC)));
  }

  @Test
  void symlinkLinkAndMknodOverAnExistingName_areExists() throws Exception {
    assertFailsAndChangesNothing(FsError.EXISTS, () -> fs.symlink(ROOT, fs.root(), name("file"), "/x"));
    assertFailsAndChangesNothing(FsError.EXISTS, () -> fs.link(ROOT, id("/file"), fs.root(), name("dir")));
    assertFailsAndChangesNothing(FsError.EXISTS,
        () -> fs.mknod(ROOT, fs.root(), name("file"), InodeType.FIFO.modeBits() | 0644, 0));
  }

  @Test
  void rmdirOfANonEmptyDirectory_isNotEmpty() throws Exception {
    assertFailsAndChangesNothing(FsError.NOT_EMPTY, () -> fs.rmdir(ROOT, fs.root(), name("dir")));
  }

  @Test
  void rmdirOfDot_isInvalid() throws Exception {
    assertFailsAndChangesNothing(FsError.INVALID, () -> fs.rmdir(ROOT, id("/empty"), Name.DOT));
  }

  // ---- rename

  @Test
  void renameOfADirectoryIntoItsOwnSubtree_isInvalid() throws Exception {
    assertFailsAndChangesNothing(FsError.INVALID, () -> paths.rename("/dir", "/dir/sub/moved"));
    assertFailsAndChangesNothing(FsError.INVALID, () -> paths.rename("/dir", "/dir/moved"));
  }

  @Test
  void renameOfADirectoryOverAFile_isNotADirectory() throws Exception {
    assertFailsAndChangesNothing(FsError.NOT_DIRECTORY, () -> paths.rename("/empty", "/file"));
  }

  @Test
  void renameOfAFileOverADirectory_isIsDirectory() throws Exception {
    assertFailsAndChangesNothing(FsError.IS_DIRECTORY, () -> paths.rename("/file", "/empty"));
  }

  @Test
  void renameOverANonEmptyDirectory_isNotEmpty() throws Exception {
    assertFailsAndChangesNothing(FsError.NOT_EMPTY, () -> paths.rename("/empty", "/dir"));
  }

  @Test
  void renameNoReplaceOverAnExistingName_isExists() throws Exception {
    assertFailsAndChangesNothing(FsError.EXISTS, () -> paths.rename("/file", "/dir/file", RenameFlags.NOREPLACE));
    assertFailsAndChangesNothing(FsError.EXISTS, () -> paths.rename("/empty", "/dir", RenameFlags.NOREPLACE));
  }

  @Test
  void renameExchangeWithAMissingTarget_isNotFound() throws Exception {
    assertFailsAndChangesNothing(FsError.NOT_FOUND, () -> paths.rename("/file", "/missing", RenameFlags.EXCHANGE));
  }

  // ---- names

  @Test
  void nameOf256Bytes_isNameTooLong_and255IsFine() throws Exception {
    assertFailsAndChangesNothing(FsError.NAME_TOO_LONG, () -> paths.createFile("/" + "a".repeat(256)));
    assertFailsAndChangesNothing(FsError.NAME_TOO_LONG, () -> paths.mkdir("/dir/" + "\u00e9".repeat(128)));
    paths.createFile("/" + "a".repeat(255));
    paths.mkdir("/" + "\u00e9".repeat(127));
    assertThat(paths.list("/")).contains("a".repeat(255), "\u00e9".repeat(127));
  }

  @Test
  void nameContainingSlashOrNul_isInvalid() throws Exception {
    assertFailsAndChangesNothing(FsError.INVALID, () -> Name.of("a/b"));
    assertFailsAndChangesNothing(FsError.INVALID, () -> Name.of(new byte[] {'a', '/', 'b'}));
    assertFailsAndChangesNothing(FsError.INVALID, () -> Name.of("a\0b"));
  }

  @Test
  void nameThatIsNotUtf8_isIllegalSequence() throws Exception {
    assertFailsAndChangesNothing(FsError.ILLEGAL_SEQUENCE, () -> Name.of(new byte[] {'a', (byte) 0xff, 'b'}));
    assertFailsAndChangesNothing(FsError.ILLEGAL_SEQUENCE, () -> Name.of(new byte[] {(byte) 0xc3}));
  }

  @Test
  void symlinkLoops_areLoop() throws Exception {
    paths.symlink("/loop2", "/loop1");
    paths.symlink("/loop1", "/loop2");
    paths.symlink("self", "/self");
    assertFailsAndChangesNothing(FsError.LOOP, () -> paths.readAllBytes("/loop1"));
    assertFailsAndChangesNothing(FsError.LOOP, () -> paths.stat("/self"));
    assertFailsAndChangesNothing(FsError.LOOP, () -> paths.createFile("/loop1/x"));
    assertFailsAndChangesNothing(FsError.LOOP, () -> paths.write("/self", "x".getBytes()));
  }

  // ---- handles

  @Test
  void writeToAReadOnlyHandle_isBadHandle() throws Exception {
    long h = paths.open("/file", OpenFlags.READ).handle();
    try {
      assertFailsAndChangesNothing(FsError.BAD_HANDLE, () -> fs.write(h, 0, ByteBuffer.wrap("evil".getBytes())));
    } finally {
      fs.release(h);
    }
    assertThat(content("/file")).isEqualTo("data".getBytes());
  }

  @Test
  void readFromAWriteOnlyHandle_isBadHandle() throws Exception {
    long h = paths.open("/file", OpenFlags.WRITE).handle();
    try {
      assertFailsAndChangesNothing(FsError.BAD_HANDLE, () -> fs.read(h, 0, ByteBuffer.allocate(10)));
    } finally {
      fs.release(h);
    }
  }

  @Test
  void releasedOrUnknownHandles_areBadHandle() throws Exception {
    long h = paths.open("/file", OpenFlags.READ_WRITE).handle();
    fs.release(h);
    assertFailsAndChangesNothing(FsError.BAD_HANDLE, () -> fs.read(h, 0, ByteBuffer.allocate(10)));
    assertFailsAndChangesNothing(FsError.BAD_HANDLE, () -> fs.write(h, 0, ByteBuffer.wrap("x".getBytes())));
    assertFailsAndChangesNothing(FsError.BAD_HANDLE, () -> fs.release(h));
    assertFailsAndChangesNothing(FsError.BAD_HANDLE, () -> fs.fsync(987_654_321L, false));
    assertFailsAndChangesNothing(FsError.BAD_HANDLE, () -> fs.readdir(987_654_321L, 0, 10));
    long d = fs.opendir(ROOT, id("/dir"));
    fs.releasedir(d);
    assertFailsAndChangesNothing(FsError.BAD_HANDLE, () -> fs.readdir(d, 0, 10));
  }

  // ---- permissions

  @Test
  void createInAnotherUsersDirectory_isAccessDenied() throws Exception {
    assertFailsAndChangesNothing(FsError.ACCESS_DENIED, () -> alice.createFile("/dir/mine"));
    assertFailsAndChangesNothing(FsError.ACCESS_DENIED, () -> alice.mkdir("/dir/mine"));
    assertFailsAndChangesNothing(FsError.ACCESS_DENIED, () -> alice.symlink("/file", "/dir/mine"));
    assertFailsAndChangesNothing(FsError.ACCESS_DENIED, () -> alice.link("/tmp/alices", "/dir/mine"));
    assertFailsAndChangesNothing(FsError.ACCESS_DENIED,
        () -> fs.mknod(ALICE, id("/dir"), name("fifo"), InodeType.FIFO.modeBits() | 0644, 0));
  }

  @Test
  void removingOrRenamingInAnotherUsersDirectory_isAccessDenied() throws Exception {
    assertFailsAndChangesNothing(FsError.ACCESS_DENIED, () -> alice.delete("/dir/file"));
    assertFailsAndChangesNothing(FsError.ACCESS_DENIED, () -> alice.delete("/dir/sub"));
    assertFailsAndChangesNothing(FsError.ACCESS_DENIED, () -> alice.rename("/dir/file", "/tmp/stolen"));
  }

  @Test
  void readingAPrivateFile_isAccessDenied() throws Exception {
    paths.chmod("/dir/file", 0600);
    assertFailsAndChangesNothing(FsError.ACCESS_DENIED, () -> alice.readAllBytes("/dir/file"));
  }

  @Test
  void lookupInAPrivateDirectory_isAccessDenied() throws Exception {
    assertFailsAndChangesNothing(FsError.ACCESS_DENIED, () -> alice.stat("/private/secret"));
    assertFailsAndChangesNothing(FsError.ACCESS_DENIED, () -> fs.lookup(ALICE, id("/private"), name("secret")));
    assertFailsAndChangesNothing(FsError.ACCESS_DENIED, () -> fs.opendir(ALICE, id("/private")));
  }

  @Test
  void writingAnotherUsersFile_isAccessDenied() throws Exception {
    assertFailsAndChangesNothing(FsError.ACCESS_DENIED, () -> alice.write("/file", "evil".getBytes()));
    assertFailsAndChangesNothing(FsError.ACCESS_DENIED, () -> fs.open(ALICE, id("/file"), OpenFlags.WRITE));
    assertFailsAndChangesNothing(FsError.ACCESS_DENIED, () -> alice.truncate("/file", 0));
    assertFailsAndChangesNothing(FsError.ACCESS_DENIED, () -> alice.access("/file", 2));
  }

  @Test
  void changingAnotherUsersModeOrOwner_isNotPermitted() throws Exception {
    assertFailsAndChangesNothing(FsError.NOT_PERMITTED, () -> alice.chmod("/file", 0777));
    assertFailsAndChangesNothing(FsError.NOT_PERMITTED, () -> alice.chown("/file", 1000, null));
  }

  @Test
  void givingAFileAwayOrToAForeignGroup_isNotPermitted() throws Exception {
    assertFailsAndChangesNothing(FsError.NOT_PERMITTED, () -> alice.chown("/tmp/alices", BOB.uid(), null));
    assertFailsAndChangesNothing(FsError.NOT_PERMITTED, () -> alice.chown("/tmp/alices", null, 4242));
  }

  @Test
  void settingExplicitTimesOnAnotherUsersFile_isNotPermitted() throws Exception {
    assertFailsAndChangesNothing(FsError.NOT_PERMITTED,
        () -> alice.setTimes("/file", TimeSpec.at(Instant.EPOCH), TimeSpec.at(Instant.EPOCH)));
  }

  @Test
  void touchingAFileWithoutWriteAccess_isAccessDenied() throws Exception {
    assertFailsAndChangesNothing(FsError.ACCESS_DENIED, () -> alice.setTimes("/file", TimeSpec.now(), TimeSpec.now()));
  }

  @Test
  void settingAUserXattrWithoutWriteAccess_isAccessDenied() throws Exception {
    assertFailsAndChangesNothing(FsError.ACCESS_DENIED, () -> alice.setXattr("/file", "user.x", "v".getBytes()));
    assertFailsAndChangesNothing(FsError.ACCESS_DENIED, () -> alice.removeXattr("/file", "user.present"));
  }

  @Test
  void stickyDirectory_protectsOtherUsersEntries() throws Exception {
    bob.createFile("/tmp/bobs");
    assertFailsAndChangesNothing(FsError.NOT_PERMITTED, () -> bob.delete("/tmp/alices"));
    assertFailsAndChangesNothing(FsError.NOT_PERMITTED, () -> bob.rename("/tmp/alices", "/tmp/taken"));
    assertFailsAndChangesNothing(FsError.NOT_PERMITTED, () -> bob.rename("/tmp/bobs", "/tmp/alices"));
    alice.delete("/tmp/alices");
    assertThat(paths.list("/tmp")).containsExactly("bobs");
    paths.delete("/tmp/bobs");
  }

  @Test
  void permissionDenied_appliesEvenWithAMatchingGroupWhenTheGroupBitsSayNo() throws Exception {
    paths.write("/grp", "g".getBytes());
    paths.chown("/grp", 0, 500);
    paths.chmod("/grp", 0604);
    Caller member = Caller.of(1000, 500);
    assertFailsAndChangesNothing(FsError.ACCESS_DENIED, () -> paths.as(member).readAllBytes("/grp"));
  }

  // ---- xattrs

  @Test
  void xattrReplaceOfAMissingName_isNoData() throws Exception {
    assertFailsAndChangesNothing(FsError.NO_DATA, () -> paths.setXattr("/file", "user.absent", "v".getBytes(), XattrMode.REPLACE));
  }

  @Test
  void xattrCreateOfAnExistingName_isExists() throws Exception {
    assertFailsAndChangesNothing(FsError.EXISTS, () -> paths.setXattr("/file", "user.present", "v".getBytes(), XattrMode.CREATE));
  }

  @Test
  void getAndRemoveOfAMissingXattr_areNoData() throws Exception {
    assertFailsAndChangesNothing(FsError.NO_DATA, () -> paths.getXattr("/file", "user.absent"));
    assertFailsAndChangesNothing(FsError.NO_DATA, () -> paths.removeXattr("/file", "user.absent"));
  }
}
