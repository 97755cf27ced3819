package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.truckeefs.core.TestFs.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.OpenFlags;

/**
 * Descriptors stay bounded however many files are written and read: a long fsx run once reached 19,995 open cache
 * channels and then failed with EIO. The workload here touches far more chunks than the channel bound.
 */
class DescriptorBoundTest {
  static final int FILES = 3 * ChunkCache.MAX_OPEN_CHANNELS;

  @TempDir Path tmp;
  RiverFS fs;

  @BeforeEach
  void setUp() throws Exception {
    fs = TestFs.local(tmp).open();
  }

  @AfterEach
  void tearDown() throws Exception {
    fs.close();
  }

  @Test
  void readingManyCachedChunks_keepsOpenCacheChannelsWithinTheBound() throws Exception {
    long before = openDescriptors();
    for (int i = 0; i < FILES; i++) {
      long h = createFile(fs, "f" + i);
      write(fs, h, 0, pattern(CHUNK, i));
      fs.release(h);
    }
    fs.syncAll(); // every chunk uploaded and adopted by the cache
    for (int i = 0; i < FILES; i++) {
      long h = fs.open(ROOT, lookup(fs, "f" + i).id(), OpenFlags.READ).handle();
      assertThat(read(fs, h, 0, CHUNK)).isEqualTo(pattern(CHUNK, i));
      fs.release(h);
    }
    assertThat(fs.cache().openChannels()).isLessThanOrEqualTo(ChunkCache.MAX_OPEN_CHANNELS);
    assertThat(openDescriptors() - before).as("descriptors opened by %d files", FILES)
        .isLessThan(ChunkCache.MAX_OPEN_CHANNELS + 64);
  }

  @Test
  void closingManyWrittenFiles_doesNotKeepTheirChunkFilesOpen() throws Exception {
    long before = openDescriptors();
    for (int i = 0; i < FILES; i++) {
      long h = createFile(fs, "w" + i);
      write(fs, h, 0, pattern(CHUNK / 4, i));
      fs.release(h); // sealed: its write channel is closed even while the upload is pending
    }
    assertThat(openDescriptors() - before).isLessThan(ChunkCache.MAX_OPEN_CHANNELS + 64);
    fs.syncAll();
    for (int i = 0; i < FILES; i += 37) {
      long h = fs.open(ROOT, lookup(fs, "w" + i).id(), OpenFlags.READ).handle();
      assertThat(read(fs, h, 0, CHUNK / 4)).isEqualTo(pattern(CHUNK / 4, i));
      fs.release(h);
    }
  }

  private static long openDescriptors() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }
}
