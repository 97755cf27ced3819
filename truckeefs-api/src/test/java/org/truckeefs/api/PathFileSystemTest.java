package org.truckeefs.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Path resolution rules; the FileSystem suites in the testkit exercise the rest on real filesystems. */
class PathFileSystemTest {
  private NamespaceOnlyFs fs;
  private PathFileSystem paths;

  @BeforeEach
  void setUp() throws FsException {
    fs = new NamespaceOnlyFs();
    paths = new PathFileSystem(fs);
    paths.mkdirs("/a/b/c");
    paths.createFile("/a/b/file");
  }

  private static void assertErrno(FsError expected, ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(expected));
  }

  @Test
  void resolve_walksComponentByComponentFromTheRoot() throws FsException {
    InodeAttributes c = paths.stat("/a/b/c");
    assertThat(c.isDirectory()).isTrue();
    assertThat(paths.stat("a/b/c")).isEqualTo(c);
    assertThat(paths.stat("//a///b/c/")).isEqualTo(c);
    assertThat(paths.stat("/a/./b/../b/c")).isEqualTo(c);
    assertThat(paths.stat("/").id()).isEqualTo(InodeId.ROOT);
  }

  @Test
  void resolve_missingComponent_isNotFound() {
    assertErrno(FsError.NOT_FOUND, () -> paths.stat("/a/nope"));
    assertErrno(FsError.NOT_FOUND, () -> paths.stat("/a/nope/deeper"));
    assertErrno(FsError.NOT_FOUND, () -> paths.stat(""));
  }

  @Test
  void resolve_throughAFile_isNotADirectory() {
    assertErrno(FsError.NOT_DIRECTORY, () -> paths.stat("/a/b/file/x"));
    assertErrno(FsError.NOT_DIRECTORY, () -> paths.stat("/a/b/file/"));
  }

  @Test
  void relativeSymlink_resolvesFromTheLinksDirectory() throws FsException {
    paths.symlink("b/c", "/a/rel");
    assertThat(paths.stat("/a/rel")).isEqualTo(paths.stat("/a/b/c"));
    assertThat(paths.lstat("/a/rel").isSymlink()).isTrue();
    paths.symlink("../file", "/a/b/c/up");
    assertThat(paths.stat("/a/b/c/up")).isEqualTo(paths.stat("/a/b/file"));
  }

  @Test
  void absoluteSymlink_resolvesFromTheRoot() throws FsException {
    paths.symlink("/a/b", "/a/b/c/abs");
    assertThat(paths.stat("/a/b/c/abs/file")).isEqualTo(paths.stat("/a/b/file"));
    paths.symlink("/", "/toroot");
    assertThat(paths.stat("/toroot/a")).isEqualTo(paths.stat("/a"));
    assertThat(paths.stat("/toroot").id()).isEqualTo(InodeId.ROOT);
  }

  @Test
  void symlinkInTheMiddle_isFollowedEvenForLstat() throws FsException {
    paths.symlink("/a/b", "/mid");
    paths.symlink("file", "/a/b/last");
    assertThat(paths.lstat("/mid/last").isSymlink()).isTrue();
    assertThat(paths.stat("/mid/last").isFile()).isTrue();
  }

  @Test
  void trailingSlash_followsAFinalSymlinkToADirectory() throws FsException {
    paths.symlink("/a/b", "/dirlink");
    assertThat(paths.lstat("/dirlink/").isDirectory()).isTrue();
    assertThat(paths.lstat("/dirlink").isSymlink()).isTrue();
  }

  @Test
  void symlinkLoop_isLoop() throws FsException {
    paths.symlink("/y", "/x");
    paths.symlink("/x", "/y");
    assertErrno(FsError.LOOP, () -> paths.stat("/x"));
    assertErrno(FsError.LOOP, () -> paths.stat("/x/anything"));
    assertThat(paths.lstat("/x").isSymlink()).isTrue();
    assertThat(paths.exists("/a")).isTrue();
    assertErrno(FsError.LOOP, () -> paths.exists("/x"));
  }

  @Test
  void chainOfFortySymlinks_resolves_fortyOne_isLoop() throws FsException {
    paths.symlink("/a/b/file", "/l0");
    for (int i = 1; i < PathFileSystem.MAX_SYMLINKS; i++) {
      paths.symlink("/l" + (i - 1), "/l" + i);
    }
    assertThat(paths.stat("/l39").isFile()).isTrue();
    paths.symlink("/l39", "/l40");
    assertErrno(FsError.LOOP, () -> paths.stat("/l40"));
  }

  @Test
  void danglingSymlink_doesNotExistButLstatSeesIt() throws FsException {
    paths.symlink("/nowhere", "/dangling");
    assertThat(paths.exists("/dangling")).isFalse();
    assertThat(paths.lstat("/dangling").isSymlink()).isTrue();
    assertErrno(FsError.NOT_FOUND, () -> paths.stat("/dangling"));
  }

  @Test
  void openWithCreate_throughADanglingSymlink_createsTheTarget() throws FsException {
    paths.symlink("/a/target", "/dangling");
    OpenResult r = paths.open("/dangling", OpenFlags.WRITE.with(OpenFlags.O_CREAT), 0600);
    fs.release(r.handle());
    assertThat(paths.lstat("/a/target").isFile()).isTrue();
  }

  @Test
  void openExclusive_doesNotFollowAFinalSymlink() throws FsException {
    paths.symlink("/a/missing", "/dangling");
    assertErrno(FsError.EXISTS, () -> paths.open("/dangling", OpenFlags.WRITE.with(OpenFlags.O_CREAT | OpenFlags.O_EXCL), 0600));
    assertThat(paths.exists("/a/missing")).isFalse();
    assertThat(fs.openHandles()).isZero();
  }

  @Test
  void openNoFollow_onASymlink_isLoop() throws FsException {
    paths.symlink("/a/b/file", "/l");
    assertErrno(FsError.LOOP, () -> paths.open("/l", OpenFlags.READ.with(OpenFlags.O_NOFOLLOW)));
  }

  @Test
  void mkdir_existing_orRoot_isExists() throws FsException {
    assertErrno(FsError.EXISTS, () -> paths.mkdir("/a"));
    assertErrno(FsError.EXISTS, () -> paths.mkdir("/"));
    paths.symlink("/nowhere", "/dangling");
    assertErrno(FsError.EXISTS, () -> paths.mkdir("/dangling"));
  }

  @Test
  void mkdirs_throughAFile_isNotADirectory_andExistingIsFine() throws FsException {
    assertErrno(FsError.NOT_DIRECTORY, () -> paths.mkdirs("/a/b/file/x"));
    assertThat(paths.mkdirs("/a/b")).isEqualTo(paths.stat("/a/b"));
    assertThat(paths.mkdirs("/a/b/x/y").isDirectory()).isTrue();
  }

  @Test
  void delete_removesTheLinkNotItsTarget() throws FsException {
    paths.symlink("/a/b", "/l");
    paths.delete("/l");
    assertThat(paths.exists("/l")).isFalse();
    assertThat(paths.exists("/a/b")).isTrue();
  }

  @Test
  void delete_root_isBusy() {
    assertErrno(FsError.BUSY, () -> paths.delete("/"));
  }

  @Test
  void deleteRecursively_removesTheSubtreeButNotLinkedTargets() throws FsException {
    paths.mkdir("/keep");
    paths.createFile("/keep/f");
    paths.symlink("/keep", "/a/b/c/tokeep");
    paths.deleteRecursively("/a");
    assertThat(paths.exists("/a")).isFalse();
    assertThat(paths.list("/keep")).containsExactly("f");
  }

  @Test
  void list_skipsDotEntries_andPagesThroughLargeDirectories() throws FsException {
    paths.mkdir("/big");
    for (int i = 0; i < 600; i++) {
      paths.createFile("/big/f" + i);
    }
    assertThat(paths.list("/big")).hasSize(600).doesNotContain(".", "..");
    assertErrno(FsError.NOT_DIRECTORY, () -> paths.list("/a/b/file"));
    assertThat(fs.openHandles()).isZero();
  }

  @Test
  void badNames_areRefusedBeforeTheFilesystemIsAsked() {
    String tooLong = "n".repeat(Name.MAX_BYTES + 1);
    assertErrno(FsError.NAME_TOO_LONG, () -> paths.mkdir("/a/" + tooLong));
    assertErrno(FsError.NAME_TOO_LONG, () -> paths.stat("/" + tooLong + "/x"));
  }

  @Test
  void rename_doesNotFollowFinalSymlinks() throws FsException {
    paths.symlink("/a/b", "/l");
    paths.rename("/l", "/m");
    assertThat(paths.lstat("/m").isSymlink()).isTrue();
    assertThat(paths.exists("/a/b")).isTrue();
    assertErrno(FsError.BUSY, () -> paths.rename("/", "/x"));
    assertErrno(FsError.INVALID, () -> paths.rename("/a/.", "/x"));
  }

  @Test
  void as_changesOnlyTheCaller() {
    Caller user = Caller.of(1000, 1000);
    PathFileSystem other = paths.as(user);
    assertThat(other.caller()).isEqualTo(user);
    assertThat(other.fileSystem()).isSameAs(fs);
    assertThat(paths.caller()).isEqualTo(Caller.ROOT);
  }
}
