package org.truckeefs.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Files of a directory that the code under test is changing at the same time. */
public final class LiveFiles {
  private LiveFiles() {}

  /**
   * The regular files under {@code dir} now. {@link Files#walk} throws when a file is deleted between its listing
   * and its reading (a blob released, a cache file dropped): the walk then starts again.
   */
  public static List<Path> regularFilesUnder(Path dir) throws IOException {
    while (true) {
      try (Stream<Path> s = Files.walk(dir)) {
        return s.filter(Files::isRegularFile).toList();
      } catch (UncheckedIOException e) {
        if (!(e.getCause() instanceof NoSuchFileException)) {
          throw e;
        }
      }
    }
  }
}
