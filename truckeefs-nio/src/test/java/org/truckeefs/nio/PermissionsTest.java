package org.truckeefs.nio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.Caller;

/** A view acting as an ordinary user gets the filesystem's permission checks, as AccessDeniedException. */
class PermissionsTest extends NioFixture {
  private FileSystem alice;

  @BeforeEach
  void users() throws Exception {
    alice = TruckeeFileSystems.as(fs, Caller.of(1000, 1000));
    Files.createDirectory(path("/private"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Files.writeString(path("/private/secret"), "s");
    Files.writeString(path("/readonly"), "r");
    Files.setPosixFilePermissions(path("/readonly"), PosixFilePermissions.fromString("r--r--r--"));
  }

  @Test
  void readingThroughAClosedDirectoryIsDenied() {
    assertThatThrownBy(() -> Files.readString(alice.getPath("/private/secret")))
        .isInstanceOf(AccessDeniedException.class);
  }

  @Test
  void writingAReadOnlyFileIsDenied() {
    assertThatThrownBy(() -> Files.writeString(alice.getPath("/readonly"), "w"))
        .isInstanceOf(AccessDeniedException.class);
    assertThat(Files.isWritable(alice.getPath("/readonly"))).isFalse();
    assertThat(Files.isReadable(alice.getPath("/readonly"))).isTrue();
  }

  @Test
  void creatingInRootOwnedDirectoryIsDenied() {
    assertThatThrownBy(() -> Files.createFile(alice.getPath("/mine")))
        .isInstanceOf(AccessDeniedException.class);
  }

  @Test
  void checkAccessNamesTheDeniedMode() {
    assertThatThrownBy(() -> alice.provider().checkAccess(alice.getPath("/readonly"), AccessMode.WRITE))
        .isInstanceOf(AccessDeniedException.class);
  }

  @Test
  void chownByAnOrdinaryUserIsDenied() throws Exception {
    Files.createDirectory(path("/home"));
    Files.setOwner(path("/home"), fs.getUserPrincipalLookupService().lookupPrincipalByName("1000"));
    Files.createFile(alice.getPath("/home/a"));
    assertThat(Files.getOwner(path("/home/a")).getName()).isEqualTo("1000");
    assertThatThrownBy(() -> Files.setOwner(alice.getPath("/home/a"),
        fs.getUserPrincipalLookupService().lookupPrincipalByName("0"))).isInstanceOf(AccessDeniedException.class);
  }
}
