package org.truckeefs.nio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.DosFileAttributeView;
import java.nio.file.attribute.FileOwnerAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** basic, posix, owner, unix and user (xattr) views. */
class AttributeViewsTest extends NioFixture {

  @Test
  void supportedViews() {
    assertThat(fs.supportedFileAttributeViews()).contains("basic", "posix", "owner", "user", "unix");
  }

  @Test
  void basicAttributesOfAFile() throws Exception {
    Path f = path("/f");
    Files.write(f, new byte[42]);
    BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
    assertThat(a.isRegularFile()).isTrue();
    assertThat(a.isDirectory()).isFalse();
    assertThat(a.isSymbolicLink()).isFalse();
    assertThat(a.isOther()).isFalse();
    assertThat(a.size()).isEqualTo(42);
    assertThat(a.fileKey()).isNotNull();
    assertThat(a.lastModifiedTime().toInstant()).isBefore(Instant.now().plusSeconds(5));
  }

  @Test
  void basicAttributesOfASymlinkWithoutFollowing() throws Exception {
    Files.createDirectory(path("/d"));
    Files.createSymbolicLink(path("/l"), path("/d"));
    assertThat(Files.readAttributes(path("/l"), BasicFileAttributes.class).isDirectory()).isTrue();
    assertThat(Files.readAttributes(path("/l"), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
        .isSymbolicLink()).isTrue();
  }

  @Test
  void fileKeyIsTheSameForHardLinks() throws Exception {
    Files.createFile(path("/a"));
    Files.createLink(path("/b"), path("/a"));
    assertThat(Files.readAttributes(path("/a"), BasicFileAttributes.class).fileKey())
        .isEqualTo(Files.readAttributes(path("/b"), BasicFileAttributes.class).fileKey());
  }

  @Test
  void setLastModifiedTime() throws Exception {
    Path f = Files.createFile(path("/f"));
    FileTime t = FileTime.from(Instant.parse("2001-02-03T04:05:06.123456789Z"));
    Files.setLastModifiedTime(f, t);
    assertThat(Files.getLastModifiedTime(f)).isEqualTo(t);
  }

  @Test
  void basicViewSetTimesLeavesNullsAlone() throws Exception {
    Path f = Files.createFile(path("/f"));
    FileTime m = Files.getLastModifiedTime(f);
    FileTime a = FileTime.from(Instant.parse("2010-01-01T00:00:00Z"));
    Files.getFileAttributeView(f, BasicFileAttributeView.class).setTimes(null, a, null);
    assertThat(Files.readAttributes(f, BasicFileAttributes.class).lastAccessTime()).isEqualTo(a);
    assertThat(Files.getLastModifiedTime(f)).isEqualTo(m);
  }

  @Test
  void posixPermissionsRoundTrip() throws Exception {
    Path f = Files.createFile(path("/f"));
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-x--x"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rwxr-x--x");
    assertThat(Files.getAttribute(f, "unix:mode")).isEqualTo(0100751);
  }

  @Test
  void posixAttributesCarryOwnerAndGroup() throws Exception {
    Path f = Files.createFile(path("/f"));
    PosixFileAttributes a = Files.readAttributes(f, PosixFileAttributes.class);
    assertThat(a.owner().getName()).isEqualTo("root");
    assertThat(a.group().getName()).isEqualTo("root");
  }

  @Test
  void setOwnerByNumber() throws Exception {
    Path f = Files.createFile(path("/f"));
    UserPrincipal u = fs.getUserPrincipalLookupService().lookupPrincipalByName("1234");
    Files.setOwner(f, u);
    assertThat(Files.getOwner(f).getName()).isEqualTo("1234");
    assertThat(Files.getAttribute(f, "unix:uid")).isEqualTo(1234);
  }

  @Test
  void setGroupThroughThePosixView() throws Exception {
    Path f = Files.createFile(path("/f"));
    var g = fs.getUserPrincipalLookupService().lookupPrincipalByGroupName("77");
    Files.getFileAttributeView(f, PosixFileAttributeView.class).setGroup(g);
    assertThat(Files.getAttribute(f, "unix:gid")).isEqualTo(77);
    assertThat(Files.getAttribute(f, "posix:group").toString()).isEqualTo("77");
  }

  @Test
  void ownerView() throws Exception {
    Path f = Files.createFile(path("/f"));
    FileOwnerAttributeView v = Files.getFileAttributeView(f, FileOwnerAttributeView.class);
    assertThat(v.name()).isEqualTo("owner");
    assertThat(v.getOwner().getName()).isEqualTo("root");
    assertThat(Files.readAttributes(f, "owner:*")).containsOnlyKeys("owner");
  }

  @Test
  void unknownUserNameIsNotFound() {
    assertThatThrownBy(() -> fs.getUserPrincipalLookupService().lookupPrincipalByName("alice"))
        .isInstanceOf(UserPrincipalNotFoundException.class);
  }

  @Test
  void readAttributesByName() throws Exception {
    Path f = path("/f");
    Files.write(f, new byte[7]);
    Map<String, Object> m = Files.readAttributes(f, "size,isRegularFile");
    assertThat(m).containsEntry("size", 7L).containsEntry("isRegularFile", true).hasSize(2);
    assertThat(Files.readAttributes(f, "posix:*")).containsKeys("permissions", "owner", "group", "size");
    assertThat(Files.readAttributes(f, "unix:ino,nlink")).containsKeys("ino", "nlink");
  }

  @Test
  void readUnknownAttributeFails() throws Exception {
    Path f = Files.createFile(path("/f"));
    assertThatThrownBy(() -> Files.readAttributes(f, "basic:nonsense")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Files.readAttributes(f, "dos:*")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void unsupportedViewIsNull() throws Exception {
    Path f = Files.createFile(path("/f"));
    assertThat(Files.getFileAttributeView(f, DosFileAttributeView.class)).isNull();
  }

  @Test
  void setAttributeByName() throws Exception {
    Path f = Files.createFile(path("/f"));
    Files.setAttribute(f, "posix:permissions", PosixFilePermissions.fromString("r--------"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("r--------");
    Files.setAttribute(f, "unix:mode", 0640);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-r-----");
  }

  @Test
  void attributesOfAMissingFileFail() {
    assertThatThrownBy(() -> Files.readAttributes(path("/x"), BasicFileAttributes.class))
        .isInstanceOf(java.nio.file.NoSuchFileException.class);
  }

  @Test
  void userAttributesRoundTrip() throws Exception {
    Path f = Files.createFile(path("/f"));
    UserDefinedFileAttributeView v = Files.getFileAttributeView(f, UserDefinedFileAttributeView.class);
    v.write("color", StandardCharsets.UTF_8.encode("blue"));
    assertThat(v.list()).containsExactly("color");
    assertThat(v.size("color")).isEqualTo(4);
    ByteBuffer b = ByteBuffer.allocate(v.size("color"));
    v.read("color", b);
    assertThat(new String(b.array(), StandardCharsets.UTF_8)).isEqualTo("blue");
  }

  @Test
  void userAttributesThroughGetAndSetAttribute() throws Exception {
    Path f = Files.createFile(path("/f"));
    Files.setAttribute(f, "user:tag", "v1".getBytes(StandardCharsets.UTF_8));
    assertThat((byte[]) Files.getAttribute(f, "user:tag")).isEqualTo("v1".getBytes(StandardCharsets.UTF_8));
    assertThat(Files.readAttributes(f, "user:*")).containsOnlyKeys("tag");
  }

  @Test
  void userAttributeDeleteAndMissing() throws Exception {
    Path f = Files.createFile(path("/f"));
    UserDefinedFileAttributeView v = Files.getFileAttributeView(f, UserDefinedFileAttributeView.class);
    v.write("a", ByteBuffer.wrap(new byte[] {1}));
    v.delete("a");
    assertThat(v.list()).isEmpty();
    assertThatThrownBy(() -> v.size("a")).isInstanceOf(FileSystemException.class);
    assertThatThrownBy(() -> v.delete("a")).isInstanceOf(FileSystemException.class);
  }

  @Test
  void userAttributeReadIntoASmallBufferFails() throws Exception {
    Path f = Files.createFile(path("/f"));
    UserDefinedFileAttributeView v = Files.getFileAttributeView(f, UserDefinedFileAttributeView.class);
    v.write("big", ByteBuffer.wrap(new byte[10]));
    assertThatThrownBy(() -> v.read("big", ByteBuffer.allocate(2))).isInstanceOf(FileSystemException.class);
  }

  @Test
  void userAttributesOnADirectory() throws Exception {
    Path d = Files.createDirectory(path("/d"));
    Files.setAttribute(d, "user:k", new byte[] {9});
    assertThat((byte[]) Files.getAttribute(d, "user:k")).containsExactly(9);
  }

  @Test
  void fileStore() throws Exception {
    var store = Files.getFileStore(path("/"));
    assertThat(store.type()).isEqualTo("truckeefs");
    assertThat(store.isReadOnly()).isFalse();
    assertThat(store.getTotalSpace()).isGreaterThan(0);
    assertThat(store.getUsableSpace()).isGreaterThanOrEqualTo(0);
    assertThat(store.supportsFileAttributeView(PosixFileAttributeView.class)).isTrue();
    assertThat(store.supportsFileAttributeView("user")).isTrue();
    assertThat(fs.getFileStores()).containsExactly(store);
  }
}
