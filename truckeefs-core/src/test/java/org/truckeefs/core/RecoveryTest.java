package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.CommitMark;
import org.truckeefs.spi.ContentCommit;
import org.truckeefs.spi.JournalEntry;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NewInode;
import org.truckeefs.testkit.FakeTicker;

/**
 * Startup replay of the write-back journal, alone: what is resumed, what is dropped (unusable, or committed before
 * the crash as its commit mark says), what is cleaned up.
 */
@Timeout(60)
class RecoveryTest {
  static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  static final int CHUNK = 64 * 1024;

  @TempDir Path dir;
  final FakeTicker ticker = new FakeTicker();
  final ExecutorService drains = Executors.newFixedThreadPool(2);
  final ExecutorService puts = Executors.newFixedThreadPool(2);
  final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  final InMemoryMetadataStore store = new InMemoryMetadataStore(Clock.systemUTC());
  LocalCoordinator coordinator;
  ChunkCache cache;
  WriteBackJournal journal;
  OpenFiles files;
  WriteBack writeBack;
  LocalBlobStore blobs;
  /** What the crashed process wrote; never closed before the restart, as after a kill -9. */
  WriteBackJournal crashed;
  InodeAttributes root;

  @BeforeEach
  void setUp() throws Exception {
    blobs = new LocalBlobStore(dir.resolve("blobs"));
    coordinator = new LocalCoordinator(new BackendContext("rec-" + System.nanoTime(), dir, Clock.systemUTC(), ticker,
        scheduler));
    cache = ChunkCache.open(dir.resolve("cache"), blobs, Clock.systemUTC(), 0, Duration.ofDays(1), drains);
    files = new OpenFiles();
    crashed = WriteBackJournal.open(cache.root());
    root = store.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, T, null));
  }

  @AfterEach
  void tearDown() throws Exception {
    drains.shutdownNow();
    puts.shutdownNow();
    crashed.close();
    if (journal != null) {
      journal.close();
    }
    cache.close();
    coordinator.close();
    scheduler.shutdownNow();
  }

  InodeAttributes file(String name) throws Exception {
    return store.create(root.id(), Name.of(name), new NewInode(InodeType.FILE, 0644, 0, 0, 0, T, null));
  }

  static PendingUpload pending(String cacheFile, int journaledLength) {
    return new PendingUpload(journaledLength, Long.MAX_VALUE, T, false, Long.MAX_VALUE,
        List.of(new PendingUpload.Part(0, journaledLength, cacheFile, List.of(new long[] {0, journaledLength}))));
  }

  /** What a crashed host left: a dirty cache file and the journal record naming it. */
  long journaled(InodeAttributes f, String cacheFile, byte[] content, int journaledLength) throws Exception {
    Files.write(cache.dirtyDir().resolve(cacheFile), content);
    return crashed.append(f.id(), f.version(), pending(cacheFile, journaledLength).encode());
  }

  /** The restarted process: reads the journal the crashed one wrote. */
  Recovery recovery() throws Exception {
    return recovery(store);
  }

  /** The restarted process, on {@code meta} (a view of {@link #store}). */
  Recovery recovery(MetadataStore meta) throws Exception {
    journal = WriteBackJournal.open(cache.root());
    writeBack = new WriteBack(meta, blobs, coordinator, files, new DirtyLimit(Long.MAX_VALUE, cache), "host-a",
        journal, Clock.systemUTC(), ticker, Duration.ofSeconds(1), Duration.ofSeconds(8), drains, puts, a -> { });
    return new Recovery(meta, cache, files, writeBack, a -> new OpenFile(a, meta.chunks(a.id()), CHUNK, cache,
        Clock.systemUTC()));
  }

  /** Commits {@code content} as the file's whole content, as this host's upload of journal record {@code seq}. */
  InodeAttributes commit(InodeAttributes f, byte[] content, long seq) throws Exception {
    BlobRef blob = blobs.put(Channels.newChannel(new ByteArrayInputStream(content)), content.length);
    return store.commitContent(new ContentCommit(f.id(), store.getAttributes(f.id()).version(), content.length,
        List.of(new ChunkRef(0, blob, content.length)), Long.MAX_VALUE, T, 0,
        seq < 0 ? null : new CommitMark("host-a", seq))).attributes();
  }

  byte[] committedContent(InodeAttributes f) throws Exception {
    ChunkRef c = store.chunks(f.id()).get(0);
    ByteBuffer b = ByteBuffer.allocate((int) c.length());
    blobs.read(c.blob(), 0, b);
    return b.array();
  }

  void awaitJournalEmpty() {
    await("resumed uploads commit").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1))
        .until(() -> journal.size() == 0 && files.all().stream().noneMatch(f -> f.pendingCount() > 0));
  }

  @Test
  void aCompleteEntry_isResumedAndCommitted() throws Exception {
    InodeAttributes f = file("f");
    journaled(f, "2-aaaa", TestFs.bytes("hello"), 5);
    assertThat(recovery().run()).isEqualTo(1);
    awaitJournalEmpty();
    assertThat(store.getAttributes(f.id()).size()).isEqualTo(5);
    assertThat(store.chunks(f.id())).hasSize(1);
  }

  @Test
  void anEntryWhoseCacheFileIsShort_isDropped_asAfterAPowerLossBeforeFsync() throws Exception {
    InodeAttributes f = file("f");
    journaled(f, "2-bbbb", TestFs.bytes("hel"), 5);
    recovery().run();
    assertThat(journal.size()).isZero();
    assertThat(store.getAttributes(f.id()).size()).isZero();
    assertThat(files.size()).isZero();
  }

  @Test
  void anEntryOfAnUnlinkedFile_isDropped() throws Exception {
    InodeAttributes f = file("f");
    journaled(f, "2-cccc", TestFs.bytes("hello"), 5);
    store.unlink(root.id(), Name.of("f"), false, T);
    recovery().run();
    assertThat(journal.size()).isZero();
    assertThat(Files.exists(cache.dirtyDir().resolve("2-cccc"))).isFalse();
  }

  @Test
  void dirtyFilesNoEntryNames_areDeleted_namedOnesKept() throws Exception {
    InodeAttributes f = file("f");
    cache.addDirty(5);
    Files.write(cache.dirtyDir().resolve("9-stray"), TestFs.bytes("stray"));
    journaled(f, "2-dddd", TestFs.bytes("hello"), 5);
    recovery().run();
    assertThat(Files.exists(cache.dirtyDir().resolve("9-stray"))).isFalse();
    awaitJournalEmpty();
    assertThat(store.getAttributes(f.id()).size()).isEqualTo(5);
  }

  @Test
  void aSnapshotCommittedBeforeTheCrash_butNotMarkedDone_isNotAppliedAgain() throws Exception {
    InodeAttributes f = file("f");
    long seq = journaled(f, "2-eeee", TestFs.bytes("old!!"), 5);
    commit(f, TestFs.bytes("old!!"), seq); // the upload committed; the crash came before its done record
    commit(f, TestFs.bytes("newer"), -1); // then newer bytes (this host or another) committed over it
    long version = store.getAttributes(f.id()).version();
    assertThat(store.commitMarks("host-a")).containsExactly(seq);
    assertThat(recovery().run()).isEqualTo(1);
    assertThat(files.size()).as("nothing resumed").isZero();
    assertThat(store.getAttributes(f.id()).version()).isEqualTo(version);
    assertThat(committedContent(f)).isEqualTo(TestFs.bytes("newer"));
    assertThat(journal.size()).isZero();
    assertThat(Files.exists(cache.dirtyDir().resolve("2-eeee"))).isFalse();
    assertThat(store.commitMarks("host-a")).as("the compacted journal no longer needs the mark").isEmpty();
  }

  @Test
  void aStoreThatKeepsNoCommitMarks_getsEachDoneRecordWrittenAtOnce() throws Exception {
    MetadataStore noMarks = new ForwardingMetadataStore(store) {
      @Override
      public List<Long> commitMarks(String owner) throws FsException {
        throw new FsException(FsError.UNSUPPORTED, "this store keeps no commit marks");
      }
    };
    recovery(noMarks).run();
    long seq = journal.append(new InodeId(5), 0, new byte[] {1});
    writeBack.forget(seq);
    // a crash now: with no mark to tell, the done record must already be in the file
    try (WriteBackJournal afterCrash = WriteBackJournal.open(cache.root())) {
      assertThat(afterCrash.size()).isZero();
    }
  }

  @Test
  void ofTwoSnapshots_theCommittedOneIsSkipped_theUncommittedOneReplayed() throws Exception {
    InodeAttributes f = file("f");
    long first = journaled(f, "2-ffff", TestFs.bytes("one"), 3);
    commit(f, TestFs.bytes("one"), first);
    Files.write(cache.dirtyDir().resolve("2-gggg"), TestFs.bytes("two!"));
    InodeAttributes now = store.getAttributes(f.id());
    crashed.append(f.id(), now.version(), pending("2-gggg", 4).encode());
    assertThat(recovery().run()).isEqualTo(2);
    awaitJournalEmpty();
    assertThat(store.getAttributes(f.id()).size()).isEqualTo(4);
    assertThat(committedContent(f)).isEqualTo(TestFs.bytes("two!"));
    assertThat(store.getAttributes(f.id()).version()).isEqualTo(now.version() + 1);
  }

  @Test
  void sequenceNumbers_stayAboveEveryCommitMarkTheStoreHolds() throws Exception {
    InodeAttributes f = file("f");
    commit(f, TestFs.bytes("x"), 1_000); // a mark the journal file does not know (it was deleted, say)
    recovery().run();
    Files.write(cache.dirtyDir().resolve("2-hhhh"), TestFs.bytes("y"));
    assertThat(journal.append(f.id(), 0, pending("2-hhhh", 1).encode())).isGreaterThan(1_000);
  }

  @Test
  void anEntryOfTheStoreJournal_fromAnOlderVersion_isAdoptedAndCommitted() throws Exception {
    InodeAttributes f = file("f");
    Files.write(cache.dirtyDir().resolve("2-iiii"), TestFs.bytes("legacy"));
    store.journalAppend(new JournalEntry(0, f.id(), "host-a", f.version(), pending("2-iiii", 6).encode(), T));
    assertThat(recovery().run()).isEqualTo(1);
    assertThat(store.journal("host-a")).isEmpty();
    awaitJournalEmpty();
    assertThat(committedContent(f)).isEqualTo(TestFs.bytes("legacy"));
  }
}
