package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.truckeefs.core.NamespaceTest.assertErrno;
import static org.truckeefs.core.TestFs.n;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.FsError;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.ContentCommit;
import org.truckeefs.spi.JournalEntry;
import org.truckeefs.spi.NewInode;

class InMemoryMetadataStoreTest {
  MutableClock clock = new MutableClock();
  InMemoryMetadataStore store = new InMemoryMetadataStore(clock);
  InodeId root = InodeId.ROOT;

  @BeforeEach
  void setUp() throws Exception {
    store.initRoot(spec(InodeType.DIRECTORY));
  }

  NewInode spec(InodeType type) {
    return new NewInode(type, 0755, 0, 0, 0, clock.instant(), null);
  }

  @Test
  void readDirCookies_areAboveTwo_andNeverReused() throws Exception {
    store.create(root, n("a"), spec(InodeType.FILE));
    store.unlink(root, n("a"), false, clock.instant());
    store.create(root, n("a"), spec(InodeType.FILE));
    var entries = store.readDir(root, 0, 10);
    assertThat(entries).singleElement().satisfies(e -> assertThat(e.cookie()).isEqualTo(4));
  }

  @Test
  void commitContent_isACompareAndSet_thatRemovesTheJournalEntry() throws Exception {
    InodeAttributes f = store.create(root, n("f"), spec(InodeType.FILE));
    JournalEntry j = store.journalAppend(new JournalEntry(0, f.id(), "host", 0, new byte[] {1}, clock.instant()));
    BlobRef b = BlobRef.of("blob-1");
    var r = store.commitContent(new ContentCommit(f.id(), 0, 10, List.of(new ChunkRef(0, b, 10)), Long.MAX_VALUE,
        clock.instant(), j.id()));
    assertThat(r.attributes().version()).isEqualTo(1);
    assertThat(r.attributes().size()).isEqualTo(10);
    assertThat(store.journal("host")).isEmpty();
    assertErrno(FsError.STALE, () -> store.commitContent(
        new ContentCommit(f.id(), 0, 0, List.of(), 0, clock.instant(), 0)));
    assertThat(store.chunks(f.id())).hasSize(1);
  }

  @Test
  void unreferencedBlobs_areReleasableOnlyAfterTheGracePeriod() throws Exception {
    InodeAttributes f = store.create(root, n("f"), spec(InodeType.FILE));
    BlobRef b = BlobRef.of("blob-1");
    store.commitContent(new ContentCommit(f.id(), 0, 10, List.of(new ChunkRef(0, b, 10)), Long.MAX_VALUE,
        clock.instant(), 0));
    store.commitContent(new ContentCommit(f.id(), 1, 0, List.of(), 0, clock.instant(), 0));
    assertThat(store.takeReleasableBlobs(clock.instant().minus(Duration.ofHours(1)), 10)).isEmpty();
    clock.advance(Duration.ofHours(2));
    assertThat(store.takeReleasableBlobs(clock.instant().minus(Duration.ofHours(1)), 10)).containsExactly(b);
    assertThat(store.takeReleasableBlobs(clock.instant(), 10)).isEmpty();
  }

  @Test
  void sharedBlob_staysLiveWhileAnyChunkReferencesIt() throws Exception {
    BlobRef b = BlobRef.of("same");
    InodeAttributes f = store.create(root, n("f"), spec(InodeType.FILE));
    InodeAttributes g = store.create(root, n("g"), spec(InodeType.FILE));
    store.commitContent(new ContentCommit(f.id(), 0, 1, List.of(new ChunkRef(0, b, 1)), Long.MAX_VALUE, Instant.EPOCH, 0));
    store.commitContent(new ContentCommit(g.id(), 0, 1, List.of(new ChunkRef(0, b, 1)), Long.MAX_VALUE, Instant.EPOCH, 0));
    store.unlink(root, n("f"), false, clock.instant());
    store.purge(f.id());
    assertThat(store.liveBlobs(null, 10)).containsExactly(b);
  }

  @Test
  void purge_refusesLinkedInodes_andForgetsOrphans() throws Exception {
    InodeAttributes f = store.create(root, n("f"), spec(InodeType.FILE));
    assertErrno(FsError.BUSY, () -> store.purge(f.id()));
    store.unlink(root, n("f"), false, clock.instant());
    assertThat(store.orphans()).containsExactly(f.id());
    store.purge(f.id());
    assertThat(store.orphans()).isEmpty();
    assertErrno(FsError.NOT_FOUND, () -> store.getAttributes(f.id()));
  }

  @Test
  void rename_movesDirectoriesAndFixesLinkCounts() throws Exception {
    InodeAttributes a = store.create(root, n("a"), spec(InodeType.DIRECTORY));
    InodeAttributes b = store.create(root, n("b"), spec(InodeType.DIRECTORY));
    store.create(a.id(), n("x"), spec(InodeType.DIRECTORY));
    store.rename(a.id(), n("x"), b.id(), n("y"), RenameFlags.NONE, clock.instant());
    assertThat(store.getAttributes(a.id()).nlink()).isEqualTo(2);
    assertThat(store.getAttributes(b.id()).nlink()).isEqualTo(3);
    InodeId y = store.lookup(b.id(), n("y")).orElseThrow().inode();
    assertThat(store.parentOf(y)).isEqualTo(b.id());
    assertErrno(FsError.INVALID, () -> store.rename(root, n("b"), y, n("loop"), RenameFlags.NONE, clock.instant()));
  }
}
