package org.truckeefs.nio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.spi.FileSystemProvider;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;

/** The provider: URIs, opening, registration, closing, settings. */
class ProviderTest {
  @TempDir
  Path tmp;

  private Map<String, String> settings(String dir) {
    return Map.of("data_dir", tmp.resolve(dir).toString(), "metadata_uri", "memory:");
  }

  @Test
  void installedForTheTruckeefsScheme() {
    assertThat(FileSystemProvider.installedProviders())
        .anySatisfy(p -> assertThat(p.getScheme()).isEqualTo("truckeefs"));
  }

  @Test
  void newFileSystemThenGetFileSystemAndPathByUri() throws Exception {
    try (FileSystem fs = FileSystems.newFileSystem(URI.create("truckeefs://p1"), settings("d"))) {
      assertThat(FileSystems.getFileSystem(URI.create("truckeefs://p1"))).isSameAs(fs);
      Files.writeString(fs.getPath("/f"), "x");
      assertThat(Files.readString(Path.of(URI.create("truckeefs://p1/f")))).isEqualTo("x");
      assertThat(fs.isOpen()).isTrue();
      assertThat(fs.isReadOnly()).isFalse();
      assertThat(fs.toString()).isEqualTo("truckeefs://p1");
    }
  }

  @Test
  void sameNameTwiceFails() throws Exception {
    try (FileSystem fs = FileSystems.newFileSystem(URI.create("truckeefs://p2"), settings("d"))) {
      assertThatThrownBy(() -> FileSystems.newFileSystem(URI.create("truckeefs://p2"), settings("e")))
          .isInstanceOf(FileSystemAlreadyExistsException.class);
    }
  }

  @Test
  void closedFileSystemIsForgottenAndRefusesWork() throws Exception {
    FileSystem fs = FileSystems.newFileSystem(URI.create("truckeefs://p3"), settings("d"));
    Path p = fs.getPath("/x");
    fs.close();
    fs.close();
    assertThat(fs.isOpen()).isFalse();
    assertThatThrownBy(() -> FileSystems.getFileSystem(URI.create("truckeefs://p3")))
        .isInstanceOf(FileSystemNotFoundException.class);
    assertThatThrownBy(() -> Files.createFile(p)).isInstanceOf(ClosedFileSystemException.class);
  }

  @Test
  void theNameCanBeReusedAfterClose() throws Exception {
    FileSystems.newFileSystem(URI.create("truckeefs://p4"), settings("d")).close();
    FileSystems.newFileSystem(URI.create("truckeefs://p4"), settings("e")).close();
  }

  @Test
  void unknownFileSystemIsNotFound() {
    assertThatThrownBy(() -> FileSystems.getFileSystem(URI.create("truckeefs://nobody")))
        .isInstanceOf(FileSystemNotFoundException.class);
  }

  @Test
  void uriWithoutNameOrWithAPathIsRejected() {
    assertThatThrownBy(() -> FileSystems.newFileSystem(URI.create("truckeefs:///x"), settings("d")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FileSystems.newFileSystem(URI.create("truckeefs://n/sub"), settings("d")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void unknownSettingIsRejectedWithASuggestion() {
    assertThatThrownBy(() -> FileSystems.newFileSystem(URI.create("truckeefs://p5"),
        Map.of("data_dir", tmp.resolve("d").toString(), "metadata_uri", "memory:", "cache_szie", "1G")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cache_szie");
    assertThatThrownBy(() -> FileSystems.getFileSystem(URI.create("truckeefs://p5")))
        .isInstanceOf(FileSystemNotFoundException.class);
  }

  @Test
  void nonStringSettingValuesAreTheirStrings() throws Exception {
    try (FileSystem fs = FileSystems.newFileSystem(URI.create("truckeefs://p6"),
        Map.of("data_dir", tmp.resolve("d"), "metadata_uri", "memory:", "chunk_size", 1 << 20))) {
      Files.write(fs.getPath("/f"), new byte[(1 << 20) + 1]);
      assertThat(Files.size(fs.getPath("/f"))).isEqualTo((1 << 20) + 1);
    }
  }

  @Test
  void dataSurvivesReopeningOnTheEmbeddedDefaults() throws Exception {
    Map<String, String> sqlite = Map.of("data_dir", tmp.resolve("persist").toString());
    try (FileSystem fs = FileSystems.newFileSystem(URI.create("truckeefs://p7"), sqlite)) {
      Files.createDirectories(fs.getPath("/keep/me"));
      Files.writeString(fs.getPath("/keep/me/f"), "persisted");
    }
    try (FileSystem fs = FileSystems.newFileSystem(URI.create("truckeefs://p7"), sqlite)) {
      assertThat(Files.readString(fs.getPath("/keep/me/f"))).isEqualTo("persisted");
    }
  }

  @Test
  void wrapAnOpenFileSystem() throws Exception {
    try (RiverFS river = RiverFS.open(RiverFsConfig.fromSettings(settings("w")))) {
      try (FileSystem view = TruckeeFileSystems.wrap("wrapped", river)) {
        Files.writeString(view.getPath("/f"), "via nio");
        assertThat(FileSystems.getFileSystem(URI.create("truckeefs://wrapped"))).isSameAs(view);
      }
      assertThat(new org.truckeefs.api.PathFileSystem(river).readAllBytes("/f")).isEqualTo("via nio".getBytes());
    }
  }
}
