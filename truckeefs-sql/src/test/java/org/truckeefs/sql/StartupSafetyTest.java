package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.Caller;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.Name;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.OpenResult;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;
import org.truckeefs.testkit.RequiredService;

/**
 * The default layout (SQLite metadata, local blobs, cache) on disk is private whatever the umask, checked the way an
 * attacker would: reading as a second, non-root uid ({@code nobody}, through {@code setpriv}). Directories the
 * filesystem did not create are checked, never chmod-ed.
 */
class StartupSafetyTest {
  private static final String OTHER_UID = "65534";
  @TempDir Path tmp;
  private Path pub;

  @BeforeEach
  void worldTraversableParent() throws IOException {
    // @TempDir is 0700: open it up, so a refusal below is due to our modes, not to the test's own directory.
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    pub = Files.createDirectory(tmp.resolve("pub"));
    Files.setPosixFilePermissions(pub, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  /** Runs {@code command} as uid/gid 65534 without supplementary groups; its exit code. */
  private static int asOtherUser(String... command) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("setpriv", "--reuid=" + OTHER_UID, "--regid=" + OTHER_UID,
        "--clear-groups", "--"));
    cmd.addAll(List.of(command));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return p.exitValue();
  }

  private static void requireRootAndSetpriv() throws Exception {
    RequiredService.require("root".equals(System.getProperty("user.name")), "running as root (to switch uid)");
    RequiredService.require(new ProcessBuilder("setpriv", "--version").start().waitFor() == 0, "setpriv");
  }

  private RiverFS open(Map<String, String> extra) throws FsException {
    Map<String, String> s = new HashMap<>(Map.of("data_dir", pub.resolve("data").toString()));
    s.putAll(extra);
    return RiverFS.open(RiverFsConfig.fromSettings(s));
  }

  private static void writeFile(RiverFS fs, String name, String content) throws FsException {
    OpenResult f = fs.create(Caller.ROOT, fs.root(), Name.of(name), 0644,
        OpenFlags.READ_WRITE.with(OpenFlags.O_CREAT));
    fs.write(f.handle(), 0, ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
    fs.fsync(f.handle(), false);
    fs.release(f.handle());
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void theDefaultLayout_isPrivate_andAnotherUserReadsNothing() throws Exception {
    requireRootAndSetpriv();
    Path data = pub.resolve("data");
    try (RiverFS fs = open(Map.of())) {
      writeFile(fs, "secret.txt", "the contents of a root-only file");
      assertThat(mode(data)).isEqualTo("rwx------");
      assertThat(mode(data.resolve("metadata.db"))).isEqualTo("rw-------");
      for (String companion : List.of("metadata.db-wal", "metadata.db-shm")) {
        if (Files.exists(data.resolve(companion))) {
          assertThat(mode(data.resolve(companion))).as(companion).isEqualTo("rw-------");
        }
      }
      assertThat(mode(data.resolve("lock"))).isEqualTo("rw-------");
      assertThat(mode(data.resolve("blobs"))).isEqualTo("rwx------");
      try (Stream<Path> blobs = Files.walk(data.resolve("blobs"))) {
        List<Path> files = blobs.filter(Files::isRegularFile).toList();
        assertThat(files).isNotEmpty();
        for (Path b : files) {
          assertThat(mode(b)).as(b.toString()).isEqualTo("rw-------");
        }
      }
      // as another user: nothing under the data directory can be listed or read
      assertThat(asOtherUser("ls", pub.toString())).as("the parent is readable: the test is not vacuous").isZero();
      assertThat(asOtherUser("ls", data.toString())).isNotZero();
      assertThat(asOtherUser("cat", data.resolve("metadata.db").toString())).isNotZero();
    }
  }

  @Test
  void blobsInAnExistingReadableDirectory_areStill0600() throws Exception {
    requireRootAndSetpriv();
    Path shared = Files.createDirectory(pub.resolve("blobs-755"));
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
    try (RiverFS fs = open(Map.of("blob_dir", shared.toString()))) {
      writeFile(fs, "a", "plaintext that only root may read");
    }
    assertThat(mode(shared)).as("not ours: never chmod-ed").isEqualTo("rwxr-xr-x");
    List<Path> files;
    try (Stream<Path> s = Files.walk(shared)) {
      files = s.filter(Files::isRegularFile).toList();
    }
    assertThat(files).isNotEmpty();
    for (Path b : files) {
      assertThat(mode(b)).isEqualTo("rw-------");
      assertThat(asOtherUser("cat", b.toString())).as("another user reads " + b).isNotZero();
    }
  }

  @Test
  void aDataDirWritableByOthers_isRefused_notChmodded_andNothingIsCreatedInIt() throws Exception {
    Path data = Files.createDirectory(pub.resolve("data"));
    assertThat(new ProcessBuilder("chmod", "1777", data.toString()).start().waitFor()).isZero(); // as /tmp
    assertThatThrownBy(() -> open(Map.of()))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.ACCESS_DENIED))
        .hasMessageContaining("data_dir").hasMessageContaining("writable by group or others")
        .hasMessageContaining("chmod go-w " + data);
    assertThat(mode(data)).isEqualTo("rwxrwxrwx");
    assertThat((Integer) Files.getAttribute(data, "unix:mode") & 01000).as("sticky bit kept").isNotZero();
    try (Stream<Path> s = Files.list(data)) {
      assertThat(s).isEmpty();
    }
  }

  @Test
  void aSharedCacheDir_isRefused_keepingItsMode() throws Exception {
    Path cache = Files.createDirectory(pub.resolve("shared-cache"));
    Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertThatThrownBy(() -> open(Map.of("cache_dir", cache.toString())))
        .hasMessageContaining("cache_dir").hasMessageContaining("writable by group or others");
    assertThat(mode(cache)).isEqualTo("rwxrwxrwx");
    assertThat(pub.resolve("data")).as("a failed start leaves no data dir behind").doesNotExist();
  }

  @Test
  void aDataDirOwnedByAnotherUser_isRefused() throws Exception {
    requireRootAndSetpriv();
    Path data = Files.createDirectory(pub.resolve("data"));
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
    Files.setAttribute(data, "unix:uid", Integer.parseInt(OTHER_UID));
    assertThatThrownBy(() -> open(Map.of()))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.ACCESS_DENIED))
        .hasMessageContaining("owned by uid " + OTHER_UID).hasMessageContaining("data_dir");
  }
}
