package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.Caller;
import org.truckeefs.api.FileSystem;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.OpenResult;
import org.truckeefs.api.SetAttr;
import org.truckeefs.api.TimeSpec;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.NewInode;
import org.truckeefs.testkit.FakeTicker;

/** Files by handle, without RiverFS: close does not wait for the blob store, handle modes, setuid on write. */
@Timeout(60)
class FileDataTest {
  static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  static final Caller ALICE = Caller.of(1000, 1000);
  static final Caller BOB = Caller.of(1001, 1001);

  @TempDir Path dir;
  final FakeTicker ticker = new FakeTicker();
  final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  final ExecutorService drains = Executors.newFixedThreadPool(2);
  final ExecutorService puts = Executors.newFixedThreadPool(2);
  final InMemoryMetadataStore store = new InMemoryMetadataStore(Clock.systemUTC());
  ControlledBlobStore blobs;
  LocalCoordinator coordinator;
  ChunkCache cache;
  WriteBackJournal journal;
  FileData data;
  OpenFiles files;
  Namespace namespace;
  InodeId root;

  @BeforeEach
  void setUp() throws Exception {
    blobs = new ControlledBlobStore(new LocalBlobStore(dir.resolve("blobs")));
    coordinator = new LocalCoordinator(new BackendContext("fd-" + System.nanoTime(), dir, Clock.systemUTC(), ticker,
        scheduler));
    cache = ChunkCache.open(dir.resolve("cache"), blobs, Clock.systemUTC(), 0, Duration.ofDays(1), drains);
    files = new OpenFiles();
    CachedMetadataStore meta = new CachedMetadataStore(store, Duration.ZERO, ticker);
    WriteBack writeBack = new WriteBack(meta, blobs, coordinator, files, new DirtyLimit(Long.MAX_VALUE, cache),
        "host-a", journal = WriteBackJournal.open(cache.root()), Clock.systemUTC(), ticker, Duration.ofSeconds(1),
        Duration.ofSeconds(2), drains, puts, a -> { });
    FileLifecycle[] lifecycle = new FileLifecycle[1];
    namespace = new Namespace(meta, files, c -> { }, new Namespace.Removal() {
      @Override
      public void purgeDirectory(InodeId id) throws FsException {
        lifecycle[0].purge(id);
      }

      @Override
      public void purgeIfClosed(InodeId id) throws FsException {
        lifecycle[0].purgeIfClosed(id);
      }
    }, Clock.systemUTC(), ticker);
    lifecycle[0] = new FileLifecycle(meta, coordinator, files, writeBack, (a, isNew) -> new OpenFile(a,
        isNew ? List.of() : meta.chunks(a.id()), 64 * 1024, cache, Clock.systemUTC()), "host-a", namespace);
    PosixLocks locks = new PosixLocks(coordinator, new PosixLocks.Coherence() {
      @Override
      public void commit(OpenFile f) throws FsException {
        writeBack.commitNow(f);
      }

      @Override
      public void revalidate(OpenFile f) throws FsException {
        writeBack.revalidate(f);
      }
    });
    data = new FileData(meta, namespace, new HandleTable(), files, lifecycle[0], writeBack, locks,
        new Durability(blobs, meta), c -> { },
        Clock.systemUTC());
    root = store.initRoot(new NewInode(InodeType.DIRECTORY, 01777, 0, 0, 0, T, null)).id();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (blobs.putGate != null) {
      blobs.putGate.release(1000);
    }
    drains.shutdownNow();
    puts.shutdownNow();
    cache.close();
    coordinator.close();
    scheduler.shutdownNow();
  }

  static void assertError(FsError e, ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOfSatisfying(FsException.class, x -> assertThat(x.error()).isEqualTo(e));
  }

  OpenResult create(Caller c, String name, int mode) throws FsException {
    return data.create(c, root, Name.of(name), mode, OpenFlags.READ_WRITE);
  }

  @Test
  void release_returnsWhileTheBlobStoreStalls_andTheDataIsJournaledAndReadable() throws Exception {
    blobs.putGate = new Semaphore(0);
    OpenResult r = create(ALICE, "f", 0644);
    data.write(r.handle(), 0, ByteBuffer.wrap(TestFs.bytes("hello")));
    data.release(r.handle());
    assertThat(journal.size()).isEqualTo(1);
    OpenResult again = data.open(ALICE, r.attributes().id(), OpenFlags.READ);
    ByteBuffer dst = ByteBuffer.allocate(5);
    assertThat(data.read(again.handle(), 0, dst)).isEqualTo(5);
    assertThat(dst.array()).isEqualTo(TestFs.bytes("hello"));
    assertThat(again.attributes().size()).isEqualTo(5);
    data.release(again.handle());
  }

  @Test
  void aListedRowReadBeforeTheLastUploadCommitted_showsTheCommittedSize_onceTheFileLeftTheTable() throws Exception {
    blobs.putGate = new Semaphore(0);
    OpenResult r = create(ALICE, "f", 0644);
    data.write(r.handle(), 0, ByteBuffer.wrap(TestFs.bytes("written")));
    data.release(r.handle()); // closed; its upload waits at the gate
    long drops = files.drops();
    InodeAttributes listed = store.readDirPlus(root, 0, 10).get(0).attributes(); // a listing's row, read now
    assertThat(listed.size()).isZero();
    blobs.putGate.release(1000);
    await().atMost(Duration.ofSeconds(30)).until(() -> files.get(listed.id()) == null); // committed, left the table
    assertThat(namespace.current(listed, drops).size()).as("not the row's size before the commit").isEqualTo(7);
    assertThat(namespace.current(store.readDirPlus(root, 0, 10).get(0).attributes(), files.drops()).size())
        .isEqualTo(7);
  }

  @Test
  void fsync_returnsCommitted() throws Exception {
    OpenResult r = create(ALICE, "f", 0644);
    data.write(r.handle(), 0, ByteBuffer.wrap(TestFs.bytes("durable")));
    data.fsync(r.handle(), false);
    assertThat(journal.size()).isZero();
    assertThat(store.getAttributes(r.attributes().id()).size()).isEqualTo(7);
    data.release(r.handle());
  }

  /** A new file, open read-write, with a 4-byte write not sealed yet. */
  OpenResult unsealedWrite() throws FsException {
    OpenResult r = create(ALICE, "f", 0644);
    data.write(r.handle(), 0, ByteBuffer.wrap(TestFs.bytes("data")));
    return r;
  }

  /** A setattr as the kernel sends it through its handle: an explicit mtime, with the ctime the kernel keeps. */
  InodeAttributes setTimes(OpenResult r, Instant mtime, Instant kernelCtime) throws FsException {
    return data.setattr(ALICE, r.attributes().id(),
        new SetAttr(null, null, null, null, null, TimeSpec.at(mtime), kernelCtime), r.handle());
  }

  /**
   * The kernel's write-back cache flushes the times of a write as a setattr (mtime equal to its ctime) before the
   * close: while that write is unsealed, the flush is saved with the data's commit, not in a store write of its own.
   */
  @Test
  void theKernelsTimeFlushOfAnUnsealedWrite_isCommittedWithTheData_withoutAStoreWriteOfItsOwn() throws Exception {
    OpenResult r = unsealedWrite();
    InodeId id = r.attributes().id();
    InodeAttributes before = store.getAttributes(id);
    Instant written = before.ctime().plusNanos(7_000_123);
    InodeAttributes shown = setTimes(r, written, written);
    assertThat(shown.mtime()).isEqualTo(written);
    assertThat(shown.ctime()).isEqualTo(written);
    assertThat(store.getAttributes(id)).as("no store write yet").isEqualTo(before);
    data.fsync(r.handle(), false);
    InodeAttributes committed = store.getAttributes(id);
    assertThat(committed.size()).isEqualTo(4);
    assertThat(committed.mtime()).isEqualTo(written);
    assertThat(committed.ctime()).isEqualTo(written);
    data.release(r.handle());
  }

  /**
   * The kernel's timestamps are coarser than this host's clock, so the times it flushes for a write right after the
   * create may lie just before the creation's ctime: the commit stores that mtime, and ctime does not go back.
   */
  @Test
  void aFlushedWriteTimeJustBeforeTheCreation_isTheMtime_andCtimeDoesNotGoBack() throws Exception {
    OpenResult r = unsealedWrite();
    InodeId id = r.attributes().id();
    Instant created = store.getAttributes(id).ctime();
    Instant coarse = created.minusNanos(1_500_000);
    setTimes(r, coarse, coarse);
    data.fsync(r.handle(), false);
    assertThat(store.getAttributes(id).mtime()).isEqualTo(coarse);
    assertThat(store.getAttributes(id).ctime()).isEqualTo(created);
    data.release(r.handle());
  }

  /** A utimens (ctime is the current time, not the mtime given) is stored at once, even while data is unsaved. */
  @Test
  void aUtimensDuringAnUnsealedWrite_isStoredAtOnce_andCtimeIsNow() throws Exception {
    OpenResult r = unsealedWrite();
    InodeId id = r.attributes().id();
    InodeAttributes before = store.getAttributes(id);
    Instant kernelCtime = before.ctime().plusMillis(3);
    setTimes(r, T, kernelCtime);
    InodeAttributes stored = store.getAttributes(id);
    assertThat(stored.mtime()).as("stored at once").isEqualTo(T);
    assertThat(stored.ctime()).isAfterOrEqualTo(before.ctime());
    data.fsync(r.handle(), false);
    assertThat(store.getAttributes(id).mtime()).as("the commit keeps the utimens' mtime").isEqualTo(T);
    assertThat(store.getAttributes(id).ctime()).as("and does not take ctime back to it").isAfter(T);
    data.release(r.handle());
  }

  /** The kernel sends ctime alone after an unlink or a link; core keeps ctime itself, so that changes nothing. */
  @Test
  void aSetattrOfTheKernelsCtimeAlone_changesNothing() throws Exception {
    OpenResult r = create(ALICE, "f", 0644);
    data.release(r.handle());
    InodeId id = r.attributes().id();
    InodeAttributes before = store.getAttributes(id);
    InodeAttributes after = data.setattr(ALICE, id, new SetAttr(null, null, null, null, null, null,
        before.ctime().plusSeconds(5)), -1);
    assertThat(after.ctime()).isEqualTo(before.ctime());
    assertThat(store.getAttributes(id)).isEqualTo(before);
  }

  @Test
  void aHandle_doesOnlyWhatItWasOpenedFor() throws Exception {
    OpenResult r = create(ALICE, "f", 0644);
    data.release(r.handle());
    OpenResult ro = data.open(ALICE, r.attributes().id(), OpenFlags.READ);
    assertError(FsError.BAD_HANDLE, () -> data.write(ro.handle(), 0, ByteBuffer.wrap(new byte[1])));
    OpenResult wo = data.open(ALICE, r.attributes().id(), OpenFlags.WRITE);
    assertError(FsError.BAD_HANDLE, () -> data.read(wo.handle(), 0, ByteBuffer.allocate(1)));
    assertError(FsError.INVALID, () -> data.write(wo.handle(), -1, ByteBuffer.wrap(new byte[1])));
    data.release(ro.handle());
    data.release(wo.handle());
    assertError(FsError.BAD_HANDLE, () -> data.flush(ro.handle()));
  }

  @Test
  void aNonRootWriter_dropsSetuidAndSetgidWithGroupExec() throws Exception {
    OpenResult r = create(ALICE, "f", 0666);
    data.setattr(ALICE, r.attributes().id(), SetAttr.chmod(06776), r.handle());
    data.release(r.handle());
    OpenResult bob = data.open(BOB, r.attributes().id(), OpenFlags.WRITE);
    data.write(bob.handle(), 0, ByteBuffer.wrap(TestFs.bytes("x")));
    assertThat(store.getAttributes(r.attributes().id()).mode() & 07777).isEqualTo(0776);
    data.release(bob.handle());
  }

  @Test
  void fallocate_growsTheFile_keepSizeDoesNot_otherModesAreUnsupported() throws Exception {
    OpenResult r = create(ALICE, "f", 0644);
    data.fallocate(r.handle(), FileSystem.FALLOC_FL_KEEP_SIZE, 0, 4096);
    assertThat(data.setattr(ALICE, r.attributes().id(), SetAttr.NONE, r.handle()).size()).isZero();
    data.fallocate(r.handle(), 0, 0, 4096);
    assertThat(data.setattr(ALICE, r.attributes().id(), SetAttr.NONE, r.handle()).size()).isEqualTo(4096);
    assertError(FsError.NOT_SUPPORTED, () -> data.fallocate(r.handle(), 0x02, 0, 10));
    data.release(r.handle());
  }

  @Test
  void aTruncateWithoutAHandle_isAppliedAndCommittedOnSync() throws Exception {
    OpenResult r = create(ALICE, "f", 0644);
    data.write(r.handle(), 0, ByteBuffer.wrap(TestFs.bytes("0123456789")));
    data.release(r.handle());
    assertThat(data.setattr(ALICE, r.attributes().id(), SetAttr.truncate(4), -1).size()).isEqualTo(4);
    OpenResult h = data.open(ALICE, r.attributes().id(), OpenFlags.READ);
    data.fsync(h.handle(), false);
    assertThat(store.getAttributes(r.attributes().id()).size()).isEqualTo(4);
    data.release(h.handle());
  }
}
