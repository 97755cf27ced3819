package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.truckeefs.core.TestFs.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.OpenFlags;

class CacheLimitsTest {
  static final long LIMIT = 4L * CHUNK;

  @TempDir Path tmp;
  MutableClock clock = new MutableClock();
  ControlledBlobStore blobs;
  RiverFS fs;

  @BeforeEach
  void setUp() throws Exception {
    blobs = new ControlledBlobStore(new LocalBlobStore(tmp.resolve("blobs")));
    TestFs t = new TestFs(tmp, blobs);
    t.clock = clock;
    fs = RiverFS.open(t.config().cacheSize(LIMIT).cacheTtl(Duration.ofHours(1)).cacheMaintenance(false).build());
  }

  @AfterEach
  void tearDown() throws Exception {
    fs.close();
  }

  private void writeCommitted(String name, int seed) throws Exception {
    long h = createFile(fs, name);
    write(fs, h, 0, pattern(CHUNK, seed));
    fs.fsync(h, false);
    fs.release(h);
    clock.advance(Duration.ofSeconds(1));
  }

  @Test
  void afterPruning_cacheIsWithinLimitPlusOneChunk_keepingTheMostRecentlyUsed_andDirtyDataSurvives() throws Exception {
    for (int i = 0; i < 10; i++) {
      writeCommitted("f" + i, i);
    }
    long dirty = createFile(fs, "dirty");
    write(fs, dirty, 0, pattern(2 * CHUNK, 99)); // written, not flushed: must never be evicted
    long r = fs.open(ROOT, lookup(fs, "f0").id(), OpenFlags.READ).handle();
    read(fs, r, 0, 10); // f0 becomes the most recently used
    fs.release(r);

    fs.pruneCache();

    ChunkCache cache = fs.cache();
    assertThat(cache.usedBytes()).isLessThanOrEqualTo(LIMIT + CHUNK);
    assertThat(cache.dirtyBytes()).isEqualTo(2L * CHUNK);
    assertThat(read(fs, dirty, 0, 2 * CHUNK)).isEqualTo(pattern(2 * CHUNK, 99));
    int readsBefore = blobs.reads.get();
    long again = fs.open(ROOT, lookup(fs, "f0").id(), OpenFlags.READ).handle();
    assertThat(read(fs, again, 0, CHUNK)).isEqualTo(pattern(CHUNK, 0));
    assertThat(blobs.reads.get()).as("f0 was recently used, so it stayed cached").isEqualTo(readsBefore);
    long old = fs.open(ROOT, lookup(fs, "f1").id(), OpenFlags.READ).handle();
    assertThat(read(fs, old, 0, CHUNK)).isEqualTo(pattern(CHUNK, 1));
    assertThat(blobs.reads.get()).as("f1 was evicted and is fetched again").isGreaterThan(readsBefore);
  }

  @Test
  void ttl_evictsEntriesUnusedForLongerThanTheTtl_butNotRecentOnes() throws Exception {
    writeCommitted("old", 1);
    clock.advance(Duration.ofMinutes(90));
    writeCommitted("new", 2);
    fs.pruneCache();
    assertThat(fs.cache().cleanBytes()).isEqualTo(CHUNK);
    int before = blobs.reads.get();
    long h = fs.open(ROOT, lookup(fs, "new").id(), OpenFlags.READ).handle();
    read(fs, h, 0, CHUNK);
    assertThat(blobs.reads.get()).isEqualTo(before);
  }

  @Test
  void pendingUploads_surviveTtlAndSizePruning() throws Exception {
    blobs.failPuts = true;
    long h = createFile(fs, "pending");
    write(fs, h, 0, pattern(6 * CHUNK, 5));
    fs.release(h); // sealed and journaled; the upload fails
    clock.advance(Duration.ofDays(2));
    fs.pruneCache();
    blobs.failPuts = false;
    fs.syncAll();
    long r = fs.open(ROOT, lookup(fs, "pending").id(), OpenFlags.READ).handle();
    assertThat(read(fs, r, 0, 6 * CHUNK)).isEqualTo(pattern(6 * CHUNK, 5));
  }

  @Test
  void anExistingCacheDirectory_isNeverChmodded_itsOwnSubdirectoriesAre0700_andAWritableOneIsRefused()
      throws Exception {
    fs.close();
    Files.setPosixFilePermissions(tmp.resolve("cache"), PosixFilePermissions.fromString("rwxr-xr-x"));
    TestFs t = new TestFs(tmp, blobs);
    fs = t.open();
    assertThat(Files.getPosixFilePermissions(tmp.resolve("cache")))
        .isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x")); // the user's choice, kept
    assertThat(Files.getPosixFilePermissions(tmp.resolve("cache").resolve("dirty")))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    fs.close();
    Files.setPosixFilePermissions(tmp.resolve("cache"), PosixFilePermissions.fromString("rwxrwxrwx"));
    org.assertj.core.api.Assertions.assertThatThrownBy(t::open)
        .hasMessageContaining("cache_dir").hasMessageContaining("writable by group or others")
        .hasMessageContaining("chmod go-w");
    assertThat(Files.getPosixFilePermissions(tmp.resolve("cache")))
        .isEqualTo(PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.setPosixFilePermissions(tmp.resolve("cache"), PosixFilePermissions.fromString("rwx------"));
    fs = t.open();
  }
}
