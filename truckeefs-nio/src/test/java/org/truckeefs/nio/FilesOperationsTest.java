package org.truckeefs.nio;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.file.AccessMode;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Files} operations, one behaviour per test, with the standard exceptions. */
class FilesOperationsTest extends NioFixture {

  // ---- create, read, write

  @Test
  void writeStringThenReadString() throws Exception {
    Path f = path("/hello.txt");
    Files.writeString(f, "hi");
    assertThat(Files.readString(f)).isEqualTo("hi");
  }

  @Test
  void writeReplacesTheContent() throws Exception {
    Path f = path("/f");
    Files.write(f, new byte[] {1, 2, 3, 4});
    Files.write(f, new byte[] {9});
    assertThat(Files.readAllBytes(f)).containsExactly(9);
  }

  @Test
  void writeAppend() throws Exception {
    Path f = path("/f");
    Files.writeString(f, "ab");
    Files.writeString(f, "cd", StandardOpenOption.APPEND);
    assertThat(Files.readString(f)).isEqualTo("abcd");
  }

  @Test
  void writeLinesAndReadAllLines() throws Exception {
    Path f = path("/lines");
    Files.write(f, List.of("one", "two", "three"));
    assertThat(Files.readAllLines(f)).containsExactly("one", "two", "three");
    try (var lines = Files.lines(f)) {
      assertThat(lines.filter(l -> l.startsWith("t")).count()).isEqualTo(2);
    }
  }

  @Test
  void largeFileRoundTrip() throws Exception {
    byte[] data = new byte[3 << 20];
    new java.util.Random(7).nextBytes(data);
    Path f = path("/big");
    Files.write(f, data);
    assertThat(Files.size(f)).isEqualTo(data.length);
    assertThat(Files.readAllBytes(f)).isEqualTo(data);
  }

  @Test
  void emptyFile() throws Exception {
    Path f = Files.createFile(path("/empty"));
    assertThat(Files.size(f)).isZero();
    assertThat(Files.readAllBytes(f)).isEmpty();
  }

  @Test
  void createFileTwiceFails() throws Exception {
    Files.createFile(path("/x"));
    assertThatThrownBy(() -> Files.createFile(path("/x"))).isInstanceOf(FileAlreadyExistsException.class);
  }

  @Test
  void createFileWithPermissions() throws Exception {
    Path f = Files.createFile(path("/p"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
  }

  @Test
  void createFileInMissingDirectoryFails() {
    assertThatThrownBy(() -> Files.createFile(path("/no/such/file"))).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void createFileUnderAFileFails() throws Exception {
    Files.createFile(path("/file"));
    assertThatThrownBy(() -> Files.createFile(path("/file/child"))).isInstanceOf(FileSystemException.class);
  }

  @Test
  void readMissingFileFails() {
    assertThatThrownBy(() -> Files.readAllBytes(path("/missing")))
        .isInstanceOf(NoSuchFileException.class).hasMessageContaining("/missing");
  }

  @Test
  void createNewOnExistingFails() throws Exception {
    Files.writeString(path("/f"), "x");
    assertThatThrownBy(() -> Files.writeString(path("/f"), "y", StandardOpenOption.CREATE_NEW))
        .isInstanceOf(FileAlreadyExistsException.class);
  }

  @Test
  void writeWithoutCreateOnMissingFails() {
    assertThatThrownBy(() -> Files.writeString(path("/f"), "y", StandardOpenOption.WRITE))
        .isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void writeToADirectoryFails() throws Exception {
    Files.createDirectory(path("/d"));
    assertThatThrownBy(() -> Files.writeString(path("/d"), "x")).isInstanceOf(FileSystemException.class);
  }

  @Test
  void relativePathsStartAtTheRoot() throws Exception {
    Files.writeString(path("rel.txt"), "r");
    assertThat(Files.readString(path("/rel.txt"))).isEqualTo("r");
  }

  @Test
  void streams() throws Exception {
    Path f = path("/s");
    try (OutputStream out = Files.newOutputStream(f)) {
      out.write("stream".getBytes(UTF_8));
    }
    try (InputStream in = Files.newInputStream(f)) {
      assertThat(in.readAllBytes()).isEqualTo("stream".getBytes(UTF_8));
    }
  }

  @Test
  void readersAndWriters() throws Exception {
    Path f = path("/w");
    try (Writer w = Files.newBufferedWriter(f)) {
      w.write("line1\nline2\n");
    }
    try (BufferedReader r = Files.newBufferedReader(f)) {
      assertThat(r.readLine()).isEqualTo("line1");
      assertThat(r.readLine()).isEqualTo("line2");
      assertThat(r.readLine()).isNull();
    }
  }

  @Test
  void inputStreamSkipAndAvailable() throws Exception {
    Path f = path("/s");
    Files.write(f, new byte[] {0, 1, 2, 3, 4, 5});
    try (InputStream in = Files.newInputStream(f)) {
      assertThat(in.skip(4)).isEqualTo(4);
      assertThat(in.read()).isEqualTo(4);
    }
  }

  @Test
  void deleteOnClose() throws Exception {
    Path f = path("/tmpfile");
    try (var ch = Files.newByteChannel(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.DELETE_ON_CLOSE)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[] {1}));
      assertThat(Files.exists(f)).isTrue();
    }
    assertThat(Files.exists(f)).isFalse();
  }

  // ---- directories

  @Test
  void createDirectoryAndIsDirectory() throws Exception {
    Path d = Files.createDirectory(path("/d"));
    assertThat(Files.isDirectory(d)).isTrue();
    assertThat(Files.isRegularFile(d)).isFalse();
  }

  @Test
  void createDirectoryTwiceFails() throws Exception {
    Files.createDirectory(path("/d"));
    assertThatThrownBy(() -> Files.createDirectory(path("/d"))).isInstanceOf(FileAlreadyExistsException.class);
  }

  @Test
  void createRootFails() {
    assertThatThrownBy(() -> Files.createDirectory(path("/"))).isInstanceOf(FileAlreadyExistsException.class);
  }

  @Test
  void createDirectoriesMakesParentsAndAcceptsExisting() throws Exception {
    Files.createDirectories(path("/a/b/c"));
    Files.createDirectories(path("/a/b/c"));
    assertThat(Files.isDirectory(path("/a/b/c"))).isTrue();
  }

  @Test
  void createDirectoriesThroughAFileFails() throws Exception {
    Files.createFile(path("/f"));
    assertThatThrownBy(() -> Files.createDirectories(path("/f/x"))).isInstanceOf(FileSystemException.class);
  }

  @Test
  void createDirectoryWithPermissions() throws Exception {
    Path d = Files.createDirectory(path("/d"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d))).isEqualTo("rwx------");
  }

  @Test
  void tempFilesAndDirectories() throws Exception {
    Path d = Files.createTempDirectory(path("/"), "tmp");
    Path f = Files.createTempFile(d, "pre", ".suf");
    assertThat(f.getParent()).isEqualTo(d);
    assertThat(f.getFileName().toString()).startsWith("pre").endsWith(".suf");
    assertThat(Files.exists(f)).isTrue();
  }

  // ---- delete

  @Test
  void deleteFile() throws Exception {
    Path f = Files.createFile(path("/f"));
    Files.delete(f);
    assertThat(Files.exists(f)).isFalse();
  }

  @Test
  void deleteMissingFails() {
    assertThatThrownBy(() -> Files.delete(path("/nope"))).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void deleteIfExists() throws Exception {
    assertThat(Files.deleteIfExists(path("/nope"))).isFalse();
    Files.createFile(path("/f"));
    assertThat(Files.deleteIfExists(path("/f"))).isTrue();
  }

  @Test
  void deleteNonEmptyDirectoryFails() throws Exception {
    Files.createDirectories(path("/d/e"));
    assertThatThrownBy(() -> Files.delete(path("/d"))).isInstanceOf(DirectoryNotEmptyException.class);
  }

  @Test
  void deleteEmptyDirectory() throws Exception {
    Files.createDirectory(path("/d"));
    Files.delete(path("/d"));
    assertThat(Files.notExists(path("/d"))).isTrue();
  }

  @Test
  void deleteRootFails() {
    assertThatThrownBy(() -> Files.delete(path("/"))).isInstanceOf(FileSystemException.class);
  }

  @Test
  void deleteSymlinkLeavesTarget() throws Exception {
    Files.writeString(path("/t"), "x");
    Files.createSymbolicLink(path("/l"), path("/t"));
    Files.delete(path("/l"));
    assertThat(Files.exists(path("/t"))).isTrue();
  }

  // ---- links

  @Test
  void symbolicLinkIsFollowed() throws Exception {
    Files.writeString(path("/target"), "data");
    Files.createSymbolicLink(path("/link"), path("target"));
    assertThat(Files.isSymbolicLink(path("/link"))).isTrue();
    assertThat(Files.readString(path("/link"))).isEqualTo("data");
    assertThat(Files.readSymbolicLink(path("/link"))).isEqualTo(path("target"));
  }

  @Test
  void danglingSymlinkExistsOnlyWithoutFollowing() throws Exception {
    Files.createSymbolicLink(path("/dangling"), path("/nowhere"));
    assertThat(Files.exists(path("/dangling"))).isFalse();
    assertThat(Files.exists(path("/dangling"), LinkOption.NOFOLLOW_LINKS)).isTrue();
  }

  @Test
  void symlinkOverExistingFails() throws Exception {
    Files.createFile(path("/f"));
    assertThatThrownBy(() -> Files.createSymbolicLink(path("/f"), path("/x")))
        .isInstanceOf(FileAlreadyExistsException.class);
  }

  @Test
  void readSymbolicLinkOfAFileFails() throws Exception {
    Files.createFile(path("/f"));
    assertThatThrownBy(() -> Files.readSymbolicLink(path("/f"))).isInstanceOf(NotLinkException.class);
  }

  @Test
  void symlinkLoopFails() throws Exception {
    Files.createSymbolicLink(path("/a"), path("/b"));
    Files.createSymbolicLink(path("/b"), path("/a"));
    assertThatThrownBy(() -> Files.readString(path("/a"))).isInstanceOf(FileSystemException.class);
  }

  @Test
  void noFollowOpenOfASymlinkFails() throws Exception {
    Files.writeString(path("/t"), "x");
    Files.createSymbolicLink(path("/l"), path("/t"));
    assertThatThrownBy(() -> Files.newByteChannel(path("/l"), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))
        .isInstanceOf(FileSystemException.class);
  }

  @Test
  void hardLinkSharesContent() throws Exception {
    Files.writeString(path("/a"), "one");
    Files.createLink(path("/b"), path("/a"));
    Files.writeString(path("/b"), "two");
    assertThat(Files.readString(path("/a"))).isEqualTo("two");
    assertThat(Files.isSameFile(path("/a"), path("/b"))).isTrue();
    assertThat(Files.getAttribute(path("/a"), "unix:nlink")).isEqualTo(2);
  }

  @Test
  void hardLinkToMissingFails() {
    assertThatThrownBy(() -> Files.createLink(path("/b"), path("/a"))).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void toRealPathResolvesLinks() throws Exception {
    Files.createDirectories(path("/real/dir"));
    Files.createSymbolicLink(path("/alias"), path("real"));
    assertThat(path("/alias/dir/../dir").toRealPath()).isEqualTo(path("/real/dir"));
    assertThat(path("/alias").toRealPath(LinkOption.NOFOLLOW_LINKS)).isEqualTo(path("/alias"));
  }

  @Test
  void toRealPathOfMissingFails() {
    assertThatThrownBy(() -> path("/missing").toRealPath()).isInstanceOf(NoSuchFileException.class);
  }

  // ---- copy

  @Test
  void copyFile() throws Exception {
    Files.writeString(path("/a"), "content");
    Files.copy(path("/a"), path("/b"));
    assertThat(Files.readString(path("/b"))).isEqualTo("content");
    assertThat(Files.isSameFile(path("/a"), path("/b"))).isFalse();
  }

  @Test
  void copyOntoExistingFailsWithoutReplace() throws Exception {
    Files.writeString(path("/a"), "1");
    Files.writeString(path("/b"), "2");
    assertThatThrownBy(() -> Files.copy(path("/a"), path("/b"))).isInstanceOf(FileAlreadyExistsException.class);
  }

  @Test
  void copyReplaceExisting() throws Exception {
    Files.writeString(path("/a"), "new");
    Files.writeString(path("/b"), "old and longer");
    Files.copy(path("/a"), path("/b"), StandardCopyOption.REPLACE_EXISTING);
    assertThat(Files.readString(path("/b"))).isEqualTo("new");
  }

  @Test
  void copyReplaceOfNonEmptyDirectoryFails() throws Exception {
    Files.writeString(path("/a"), "x");
    Files.createDirectories(path("/d/e"));
    assertThatThrownBy(() -> Files.copy(path("/a"), path("/d"), StandardCopyOption.REPLACE_EXISTING))
        .isInstanceOf(DirectoryNotEmptyException.class);
  }

  @Test
  void copyAttributesKeepsTimesAndMode() throws Exception {
    Files.writeString(path("/a"), "x");
    FileTime then = FileTime.from(Instant.parse("2020-01-02T03:04:05Z"));
    Files.setLastModifiedTime(path("/a"), then);
    Files.setPosixFilePermissions(path("/a"), PosixFilePermissions.fromString("r--r-----"));
    Files.copy(path("/a"), path("/b"), StandardCopyOption.COPY_ATTRIBUTES);
    assertThat(Files.getLastModifiedTime(path("/b"))).isEqualTo(then);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path("/b")))).isEqualTo("r--r-----");
  }

  @Test
  void copyDirectoryCopiesOnlyTheDirectory() throws Exception {
    Files.createDirectories(path("/d/sub"));
    Files.copy(path("/d"), path("/e"));
    assertThat(Files.isDirectory(path("/e"))).isTrue();
    try (var s = Files.list(path("/e"))) {
      assertThat(s.count()).isZero();
    }
  }

  @Test
  void copySymlinkWithNoFollowCopiesTheLink() throws Exception {
    Files.writeString(path("/t"), "x");
    Files.createSymbolicLink(path("/l"), path("/t"));
    Files.copy(path("/l"), path("/l2"), LinkOption.NOFOLLOW_LINKS);
    assertThat(Files.isSymbolicLink(path("/l2"))).isTrue();
    assertThat(Files.readSymbolicLink(path("/l2"))).isEqualTo(path("/t"));
  }

  @Test
  void copyMissingFails() {
    assertThatThrownBy(() -> Files.copy(path("/a"), path("/b"))).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void copyFromAndToTheDefaultFileSystem() throws Exception {
    Path local = tmp.resolve("local.txt");
    Files.writeString(local, "from disk");
    Files.copy(local, path("/in"));
    assertThat(Files.readString(path("/in"))).isEqualTo("from disk");
    Path back = tmp.resolve("back.txt");
    Files.copy(path("/in"), back);
    assertThat(Files.readString(back)).isEqualTo("from disk");
  }

  @Test
  void copyBetweenTwoTruckeeFileSystems() throws Exception {
    try (var other = java.nio.file.FileSystems.newFileSystem(java.net.URI.create(uri + "other"),
        java.util.Map.of("data_dir", tmp.resolve("data2").toString(), "metadata_uri", "memory:"))) {
      Files.writeString(path("/a"), "across");
      Files.copy(path("/a"), other.getPath("/b"));
      assertThat(Files.readString(other.getPath("/b"))).isEqualTo("across");
    }
  }

  // ---- move

  @Test
  void moveRenames() throws Exception {
    Files.writeString(path("/a"), "x");
    Files.move(path("/a"), path("/b"));
    assertThat(Files.exists(path("/a"))).isFalse();
    assertThat(Files.readString(path("/b"))).isEqualTo("x");
  }

  @Test
  void moveOntoExistingFailsWithoutReplace() throws Exception {
    Files.writeString(path("/a"), "1");
    Files.writeString(path("/b"), "2");
    assertThatThrownBy(() -> Files.move(path("/a"), path("/b"))).isInstanceOf(FileAlreadyExistsException.class);
    assertThat(Files.readString(path("/b"))).isEqualTo("2");
  }

  @Test
  void moveReplaceExistingAtomically() throws Exception {
    Files.writeString(path("/a"), "1");
    Files.writeString(path("/b"), "2");
    Files.move(path("/a"), path("/b"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    assertThat(Files.readString(path("/b"))).isEqualTo("1");
  }

  @Test
  void moveDirectoryWithContent() throws Exception {
    Files.createDirectories(path("/d/e"));
    Files.writeString(path("/d/e/f"), "deep");
    Files.move(path("/d"), path("/m"));
    assertThat(Files.readString(path("/m/e/f"))).isEqualTo("deep");
  }

  @Test
  void moveOntoNonEmptyDirectoryFails() throws Exception {
    Files.createDirectories(path("/d"));
    Files.createDirectories(path("/e/x"));
    assertThatThrownBy(() -> Files.move(path("/d"), path("/e"), StandardCopyOption.REPLACE_EXISTING))
        .isInstanceOf(DirectoryNotEmptyException.class);
  }

  @Test
  void moveMissingFails() {
    assertThatThrownBy(() -> Files.move(path("/a"), path("/b"))).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void moveToTheSameFileDoesNothing() throws Exception {
    Files.writeString(path("/a"), "x");
    Files.move(path("/a"), path("/a"));
    assertThat(Files.readString(path("/a"))).isEqualTo("x");
  }

  @Test
  void moveAcrossFileSystemsCopiesAndDeletes() throws Exception {
    try (var other = java.nio.file.FileSystems.newFileSystem(java.net.URI.create(uri + "m"),
        java.util.Map.of("data_dir", tmp.resolve("data3").toString(), "metadata_uri", "memory:"))) {
      Files.writeString(path("/a"), "moved");
      Files.move(path("/a"), other.getPath("/a"));
      assertThat(Files.exists(path("/a"))).isFalse();
      assertThat(Files.readString(other.getPath("/a"))).isEqualTo("moved");
      assertThatThrownBy(() -> Files.move(other.getPath("/a"), path("/a"), StandardCopyOption.ATOMIC_MOVE))
          .isInstanceOf(java.nio.file.AtomicMoveNotSupportedException.class);
    }
  }

  // ---- queries

  @Test
  void existsAndNotExists() throws Exception {
    assertThat(Files.exists(path("/"))).isTrue();
    assertThat(Files.notExists(path("/x"))).isTrue();
    Files.createFile(path("/x"));
    assertThat(Files.exists(path("/x"))).isTrue();
  }

  @Test
  void isSameFile() throws Exception {
    Files.createDirectory(path("/d"));
    assertThat(Files.isSameFile(path("/d"), path("/d/../d/."))).isTrue();
    assertThat(Files.isSameFile(path("/d"), path("/"))).isFalse();
  }

  @Test
  void isHidden() throws Exception {
    assertThat(Files.isHidden(path("/.dot"))).isTrue();
    assertThat(Files.isHidden(path("/dot"))).isFalse();
  }

  @Test
  void checkAccessAsRoot() throws Exception {
    Files.createFile(path("/f"));
    fs.provider().checkAccess(path("/f"), AccessMode.READ, AccessMode.WRITE);
    assertThat(Files.isReadable(path("/f"))).isTrue();
    assertThat(Files.isWritable(path("/f"))).isTrue();
    assertThat(Files.isExecutable(path("/f"))).isFalse();
  }

  @Test
  void checkAccessOfMissingFails() {
    assertThatThrownBy(() -> fs.provider().checkAccess(path("/none"))).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void probeContentTypeDoesNotFail() throws Exception {
    Files.createFile(path("/f.txt"));
    Files.probeContentType(path("/f.txt"));
  }

  @Test
  void mismatch() throws Exception {
    Files.writeString(path("/a"), "abcdef");
    Files.writeString(path("/b"), "abcXef");
    assertThat(Files.mismatch(path("/a"), path("/b"))).isEqualTo(3);
  }

  @Test
  void listingAFileFails() throws Exception {
    Files.createFile(path("/f"));
    assertThatThrownBy(() -> Files.list(path("/f"))).isInstanceOf(NotDirectoryException.class);
  }
}
