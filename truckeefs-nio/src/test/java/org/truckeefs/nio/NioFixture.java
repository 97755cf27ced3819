package org.truckeefs.nio;

import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A fresh truckeefs filesystem per test, opened through {@link FileSystems} as an application would. */
abstract class NioFixture {
  @TempDir
  Path tmp;

  FileSystem fs;
  URI uri;

  @BeforeEach
  void openFileSystem() throws IOException {
    uri = URI.create("truckeefs://t" + UUID.randomUUID().toString().replace("-", ""));
    fs = FileSystems.newFileSystem(uri, Map.of("data_dir", tmp.resolve("data").toString(), "metadata_uri", "memory:"));
  }

  @AfterEach
  void closeFileSystem() throws IOException {
    fs.close();
  }

  Path path(String first, String... more) {
    return fs.getPath(first, more);
  }
}
