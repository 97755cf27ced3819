package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.InodeId;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;

/** The chunk cache's files across a restart: an uploaded chunk stays cached, a torn ref file is dropped. */
class ChunkCacheTest {
  @TempDir Path tmp;

  private ChunkCache open() throws Exception {
    return ChunkCache.open(tmp.resolve("cache"), new LocalBlobStore(tmp.resolve("blobs")), Clock.systemUTC(),
        1 << 30, Duration.ofDays(1), Runnable::run);
  }

  private Path chunks() {
    return tmp.resolve("cache").resolve("chunks");
  }

  private BlobRef adoptOneChunk(ChunkCache cache) throws Exception {
    Path dirty = cache.newDirtyFile(InodeId.of(7));
    Files.write(dirty, new byte[] {1, 2, 3});
    BlobRef ref = BlobRef.of("ab".repeat(32));
    cache.adopt(dirty, new ChunkRef(0, ref, 3), 3);
    return ref;
  }

  @Test
  void anUploadedChunk_isCachedWithoutATempFile_andStillCachedAfterARestart() throws Exception {
    BlobRef ref = adoptOneChunk(open());
    try (var names = Files.list(chunks())) {
      assertThat(names.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(CacheDirectory.key(ref), CacheDirectory.key(ref) + ".ref");
    }
    ChunkCache reopened = open();
    assertThat(reopened.isCached(ref)).isTrue();
    assertThat(reopened.cleanBytes()).isEqualTo(3);
  }

  @Test
  void aRefFileTornByACrash_isDroppedWithItsData_whenTheCacheOpens() throws Exception {
    BlobRef ref = adoptOneChunk(open());
    Path refFile = chunks().resolve(CacheDirectory.key(ref) + ".ref");
    Files.writeString(refFile, ref.value().substring(0, 20), StandardCharsets.UTF_8); // a write cut short
    ChunkCache reopened = open();
    assertThat(reopened.isCached(ref)).isFalse();
    assertThat(reopened.entryCount()).isZero();
    assertThat(chunks()).isEmptyDirectory();
  }

  @Test
  void anEmptyRefFile_isDroppedWithItsData_whenTheCacheOpens() throws Exception {
    BlobRef ref = adoptOneChunk(open());
    Files.write(chunks().resolve(CacheDirectory.key(ref) + ".ref"), new byte[0]);
    ChunkCache reopened = open();
    assertThat(reopened.entryCount()).isZero();
    assertThat(chunks()).isEmptyDirectory();
  }

  /**
   * Readers move entries' access times while a prune sorts them; a comparator that read the live field broke
   * TimSort's contract now and then ("Comparison method violates its general contract!") and failed the prune.
   */
  @Test
  void oldestFirstSortsBySnapshotWhileAccessTimesMove() throws Exception {
    java.util.List<CacheEntry> entries = new java.util.ArrayList<>();
    for (int i = 0; i < 4_000; i++) {
      CacheEntry e = new CacheEntry(BlobRef.of(String.format("%064x", i)), "k" + i, 1, Path.of("unused"), true);
      e.lastAccess = i;
      entries.add(e);
    }
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    Thread readers = new Thread(() -> {
      java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
      while (!stop.get()) {
        entries.get(r.nextInt(entries.size())).lastAccess = r.nextLong(8_000);
      }
    });
    readers.start();
    try {
      for (int round = 0; round < 300; round++) {
        java.util.List<CacheEntry> sorted = ChunkCache.oldestFirst(entries);
        assertThat(sorted).hasSize(entries.size());
        assertThat(new java.util.HashSet<>(sorted)).hasSize(entries.size());
      }
    } finally {
      stop.set(true);
      readers.join();
    }
    for (int i = 0; i < entries.size(); i++) {
      entries.get(i).lastAccess = entries.size() - i;
    }
    java.util.List<CacheEntry> quiet = ChunkCache.oldestFirst(entries);
    assertThat(quiet.get(0)).isSameAs(entries.get(entries.size() - 1));
    assertThat(quiet.get(quiet.size() - 1)).isSameAs(entries.get(0));
  }

  /**
   * A prune sorts every entry by age, so writing asks for one only when the cache is over its size or the disk is
   * under its floor (asked for at every MiB whatever the need, it kept a core sorting on a busy mount).
   */
  @Test
  void writing_asksForAPrune_onlyWhenOverTheSizeOrUnderTheFloor() throws Exception {
    LocalBlobStore blobs = new LocalBlobStore(tmp.resolve("blobs"));
    ChunkCache roomy = ChunkCache.open(tmp.resolve("roomy"), blobs, Clock.systemUTC(), 0, Duration.ofDays(1),
        Runnable::run, 0);
    AtomicInteger roomyAsked = new AtomicInteger();
    roomy.onOverLimit(roomyAsked::incrementAndGet);
    for (int i = 0; i < 64; i++) {
      roomy.addDirty(1 << 20);
    }
    assertThat(roomyAsked).hasValue(0);

    ChunkCache small = ChunkCache.open(tmp.resolve("small"), blobs, Clock.systemUTC(), 2 << 20, Duration.ofDays(1),
        Runnable::run, 0);
    AtomicInteger smallAsked = new AtomicInteger();
    small.onOverLimit(smallAsked::incrementAndGet);
    small.addDirty(1 << 20);
    assertThat(smallAsked).as("under its size").hasValue(0);
    for (int i = 0; i < 4; i++) {
      small.addDirty(1 << 20);
    }
    assertThat(smallAsked.get()).as("over its size").isGreaterThanOrEqualTo(2);

    ChunkCache full = ChunkCache.open(tmp.resolve("full"), blobs, Clock.systemUTC(), 0, Duration.ofDays(1),
        Runnable::run, Long.MAX_VALUE / 4);
    AtomicInteger fullAsked = new AtomicInteger();
    full.onOverLimit(fullAsked::incrementAndGet);
    for (int i = 0; i < 4; i++) {
      full.addDirty(1 << 20);
    }
    assertThat(fullAsked.get()).as("under its floor").isGreaterThanOrEqualTo(4);
  }
}
